-- +goose Up
-- assignment_work.corrected_folder_id references items ON DELETE SET NULL: without
-- an index, every item a purge deletes would scan assignment_work to find the rows
-- to update (folder_id has its index since 00014 for the same reason).
CREATE INDEX assignment_work_corrected_folder ON assignment_work (corrected_folder_id) WHERE corrected_folder_id IS NOT NULL;

-- +goose Down
DROP INDEX assignment_work_corrected_folder;
