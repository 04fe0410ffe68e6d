-- Text search that ignores case and Danish letters' spelling: "boern" finds "børn". The folded
-- form (lower case, æ→ae, ø→oe, å→aa, accents removed) is computed by the application when it
-- writes the index row, so every backend folds the same way.
ALTER TABLE oio_soegeindeks ADD COLUMN tekst_foldet text;
CREATE INDEX oio_soegeindeks_foldet_trgm ON oio_soegeindeks USING gin (tekst_foldet gin_trgm_ops) WHERE kind = 'a';
