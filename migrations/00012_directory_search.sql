-- +goose Up
-- Finding whom to share with (GET /api/v1/directory/search): names match by word
-- prefix, ignoring case and accents: "eleve" finds "Élève", "mart" finds "Claire
-- Martin" and "Martin".

-- cartable_fold lower-cases a name and takes the accents off Latin letters (œ, æ and
-- ß become oe, ae and ss) with a fixed table: it is immutable, so indexes and
-- triggers may use it, and it needs no extension (unaccent may not be installed, and
-- its dictionary makes it only stable).
CREATE FUNCTION cartable_fold(s text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN lower(translate(
        replace(replace(replace(replace(replace(s, 'Œ', 'OE'), 'œ', 'oe'), 'Æ', 'AE'), 'æ', 'ae'), 'ß', 'ss'),
        'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïðñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľĿŀŁłŃńŅņŇňŊŋŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſȘșȚț',
        'AAAAAACEEEEIIIIDNOOOOOOUUUUYaaaaaaceeeeiiiidnoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlLlNnNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzsSsTt'));

-- cartable_words splits a folded name into its words: at spaces and punctuation
-- (hyphens and apostrophes included: "Jean-Pierre d'Arc" has the words jean, pierre,
-- d and arc).
CREATE FUNCTION cartable_words(s text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN array_remove(regexp_split_to_array(cartable_fold(s), '[[:space:][:punct:]’‘«»–—·]+'), '');

-- cartable_matches tells whether every word of a query begins a word of a name,
-- each a different one ("martin m" finds "Martin Meunier", not "Claire Martin").
-- The longest query words choose first: the query words that begin the same name
-- word begin one another, so a shorter one can take whatever word a longer one
-- could, and choosing greedily never misses a match.
-- +goose StatementBegin
CREATE FUNCTION cartable_matches(name_words text[], query_words text[]) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    q text;
    free text[] := name_words;
    i int;
    taken boolean;
BEGIN
    FOR q IN SELECT w FROM unnest(query_words) AS w ORDER BY length(w) DESC LOOP
        taken := false;
        FOR i IN 1 .. coalesce(array_length(free, 1), 0) LOOP
            IF starts_with(free[i], q) THEN
                free := free[:i - 1] || free[i + 1:];
                taken := true;
                EXIT;
            END IF;
        END LOOP;
        IF NOT taken THEN
            RETURN false;
        END IF;
    END LOOP;
    RETURN true;
END $$;
-- +goose StatementEnd

-- user_words indexes every word of every user's name in each of their structures,
-- so that a teacher's search reads only the matching words of their establishments
-- (a region holds a million users; a collège a thousand). The directory's own
-- writes keep it, through the triggers below, whatever writes them (an upsert, an
-- import, a deletion that cascades). Groups need no such table: an establishment
-- holds a few dozen, found through groups_structure_idx.
CREATE TABLE user_words (
    structure_id text NOT NULL,
    word         text COLLATE "C" NOT NULL,
    user_id      text NOT NULL,
    PRIMARY KEY (structure_id, word, user_id),
    FOREIGN KEY (user_id, structure_id) REFERENCES user_structures (user_id, structure_id) ON DELETE CASCADE
);
CREATE INDEX user_words_user_idx ON user_words (user_id, structure_id);

-- A user attached to a structure has their words there.
-- +goose StatementBegin
CREATE FUNCTION user_words_attach() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_words (structure_id, word, user_id)
    SELECT DISTINCT a.structure_id, w.word, a.user_id
    FROM attached a JOIN users u ON u.id = a.user_id, unnest(cartable_words(u.display_name)) AS w(word)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER user_structures_words AFTER INSERT ON user_structures
    REFERENCING NEW TABLE AS attached FOR EACH STATEMENT EXECUTE FUNCTION user_words_attach();

-- A renamed user's words change in all their structures. (A detached user's words go
-- with the attachment, by the foreign key.)
-- +goose StatementBegin
CREATE FUNCTION user_words_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM user_words w USING renamed_new n JOIN renamed_old o ON o.id = n.id
    WHERE w.user_id = n.id AND n.display_name IS DISTINCT FROM o.display_name;
    INSERT INTO user_words (structure_id, word, user_id)
    SELECT DISTINCT s.structure_id, w.word, n.id
    FROM renamed_new n JOIN renamed_old o ON o.id = n.id AND n.display_name IS DISTINCT FROM o.display_name
    JOIN user_structures s ON s.user_id = n.id, unnest(cartable_words(n.display_name)) AS w(word)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER users_words AFTER UPDATE ON users
    REFERENCING OLD TABLE AS renamed_old NEW TABLE AS renamed_new FOR EACH STATEMENT EXECUTE FUNCTION user_words_rename();

INSERT INTO user_words (structure_id, word, user_id)
SELECT DISTINCT s.structure_id, w.word, s.user_id
FROM user_structures s JOIN users u ON u.id = s.user_id, unnest(cartable_words(u.display_name)) AS w(word);

-- +goose Down
DROP TRIGGER users_words ON users;
DROP TRIGGER user_structures_words ON user_structures;
DROP FUNCTION user_words_rename();
DROP FUNCTION user_words_attach();
DROP TABLE user_words;
DROP FUNCTION cartable_matches(text[], text[]);
DROP FUNCTION cartable_words(text);
DROP FUNCTION cartable_fold(text);
