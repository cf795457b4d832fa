-- +goose Up
-- A pupil's name as it was when they received the assignment: the dashboard and the
-- collected hand-ins keep telling whose work it is after the ENT deletes a pupil
-- who left (their work stays with the class, like their files in its space).
ALTER TABLE assignment_work ADD COLUMN pupil_name text;
UPDATE assignment_work w SET pupil_name = u.display_name FROM users u WHERE u.id = w.pupil_id;

-- +goose Down
ALTER TABLE assignment_work DROP COLUMN pupil_name;
