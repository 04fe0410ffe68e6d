-- The bitemporal OIO object store, shared by every register (Organisation, Klassifikation, …).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE oio_objekt (
  uuid        uuid PRIMARY KEY,
  objekttype  text NOT NULL
);
CREATE INDEX oio_objekt_type ON oio_objekt (objekttype, uuid);

-- One row per registration: [fra, til) in registration time, with the whole registration as it
-- reads (every attribute, state and relation value with its virkning) in indhold.
CREATE TABLE oio_registrering (
  id              bigserial PRIMARY KEY,
  objekt_uuid     uuid NOT NULL REFERENCES oio_objekt (uuid),
  objekttype      text NOT NULL,
  fra             timestamptz NOT NULL,
  til             timestamptz NOT NULL DEFAULT 'infinity',
  livscykluskode  text NOT NULL CHECK (livscykluskode IN ('Opstaaet', 'Importeret', 'Passiveret', 'Slettet', 'Rettet')),
  brugerref       text,
  note            text,
  indhold         jsonb NOT NULL,
  -- The writing transaction, and the one that closed the registration: a reader paging through a
  -- result pins a database snapshot and ignores registrations (and closings) it cannot see, so a
  -- write still in flight when the first page was read never shows up on a later page.
  xid             xid8 NOT NULL DEFAULT pg_current_xact_id(),
  til_xid         xid8,
  CHECK (fra < til)
) WITH (fillfactor = 80);
-- Closing a registration sets til and til_xid only. Neither is indexed and pages keep room, so
-- that update stays on its page without touching any index (a HOT update): every write does it.
CREATE INDEX oio_registrering_objekt ON oio_registrering (objekt_uuid, fra);
CREATE INDEX oio_registrering_type ON oio_registrering (objekttype, objekt_uuid, fra);

-- Search index: one row per attribute field, state and relation value of each registration.
-- kind: a attribute, t state, r relation.
CREATE TABLE oio_soegeindeks (
  registrering_id  bigint NOT NULL REFERENCES oio_registrering (id) ON DELETE CASCADE,
  kind             "char" NOT NULL,
  felt             text NOT NULL,
  tekst            text,
  maal_uuid        uuid,
  maal_type        text,
  notetekst        text,
  virkning         tstzrange NOT NULL
);
CREATE INDEX oio_soegeindeks_registrering ON oio_soegeindeks (registrering_id);
CREATE INDEX oio_soegeindeks_maal ON oio_soegeindeks (maal_uuid, felt) WHERE maal_uuid IS NOT NULL;
CREATE INDEX oio_soegeindeks_tekst ON oio_soegeindeks (felt, lower(tekst) text_pattern_ops) WHERE tekst IS NOT NULL;
-- Infix (%x%) search on attribute text is served by the trigram index on the folded text
-- (migration 0003): one trigram index, not two, to keep writes cheap.
