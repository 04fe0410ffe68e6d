-- Infix searches (brugernavn=%x%) read the trigram index, and with it the whole of GIN's pending
-- list (entries written but not yet merged into the index). At the default limit of 4 MB that list
-- held 220 pages after the LoRa load and took half of a search's time (0.6 of 1.4 ms). At 128 kB it
-- holds 16 pages at most; the write that fills it merges it into the index in one go. (No list at
-- all, fastupdate off, made searches as fast but a whole-organisation import 40 % slower.)
ALTER INDEX oio_soegeindeks_foldet_trgm SET (gin_pending_list_limit = 128);
SELECT gin_clean_pending_list('oio_soegeindeks_foldet_trgm'::regclass);
