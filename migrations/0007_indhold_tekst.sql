-- The current registration's content as JSON text, kept by the database beside the jsonb: a read
-- that hands out many registrations as they are stored (the organisation hierarchy) copies this
-- text instead of printing every jsonb again, which was most of the database's work in it.
-- Null once a registration is closed (`til` set), so history costs no extra space; readers fall
-- back to `indhold::text` there.
ALTER TABLE oio_registrering
  ADD COLUMN indhold_tekst text GENERATED ALWAYS AS (CASE WHEN til = 'infinity' THEN indhold::text END) STORED;
