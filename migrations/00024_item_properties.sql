-- +goose Up
-- Dead properties of items: what a WebDAV client stores on a file or a folder with
-- PROPPATCH and reads back with PROPFIND, by namespace and name; value is the
-- property's content as XML. They follow their item (a move keeps its id), go to
-- the trash with it and are deleted when it is purged.
CREATE TABLE item_properties (
    item_id   uuid NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    namespace text NOT NULL CHECK (length(namespace) <= 1024),
    name      text NOT NULL CHECK (length(name) BETWEEN 1 AND 1024),
    value     text NOT NULL CHECK (length(value) <= 65536),
    PRIMARY KEY (item_id, namespace, name)
);

-- +goose Down
DROP TABLE item_properties;
