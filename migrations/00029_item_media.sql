-- +goose Up
-- The media picker (GET /api/v1/media) and faster searches in the spaces a caller
-- joined without managing them (a pupil's class spaces).
--
-- top_id is the top of an item's tree: its space's root folder, or the top of the
-- private tree it lies in (a pupil's assignment folder, which hangs below no
-- folder), or the item itself for those tops. A member of a class space sees an
-- item there when its top is the space root or a private tree kept for them: with
-- top_id in the indexes below, that check reads no table row (before, each match
-- was read, and the top's row after it, to find the top's private_to).
ALTER TABLE items ADD COLUMN top_id uuid GENERATED ALWAYS AS (coalesce(ancestors[1], id)) STORED;

-- items_space_names as in 00026, with the top.
DROP INDEX items_space_names;
CREATE INDEX items_space_names ON items (space_id, name_folded) INCLUDE (id, modified_at, top_id) WHERE trashed_at IS NULL;

-- The images and videos of a space, newest first, with what the picker filters on:
-- an index-only scan per space, however many documents and folders the space holds.
-- The predicate is written as the picker's query writes it (see workspace/media.go),
-- so that the planner sees the query implies it.
CREATE INDEX items_space_media ON items (space_id, modified_at DESC, id) INCLUDE (mime_type, top_id)
    WHERE trashed_at IS NULL AND kind = 'file' AND (mime_type LIKE 'image/%' OR mime_type LIKE 'video/%');

-- The tops of a space's trees (its root and its private folders): which of them a
-- member may see is read from here.
CREATE INDEX items_space_tops ON items (space_id) INCLUDE (private_to) WHERE parent_id IS NULL;

-- +goose Down
DROP INDEX items_space_tops;
DROP INDEX items_space_media;
DROP INDEX items_space_names;
CREATE INDEX items_space_names ON items (space_id, name_folded) INCLUDE (id, modified_at) WHERE trashed_at IS NULL;
ALTER TABLE items DROP COLUMN top_id;
