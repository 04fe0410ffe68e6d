-- FK Beskedfordeler: beskedtyper, dueslag, abonnementer, værdilister, the messages received and
-- their deliveries per dueslag. On the store transport the delivery rows are the queues; on
-- RabbitMQ they are the record of what was handed to the broker (and the source of replays).

CREATE TABLE bfo_beskedtype (
  uuid          uuid PRIMARY KEY,
  navn          text NOT NULL,
  ejer          text NOT NULL,
  sensitivitet  text NOT NULL CHECK (sensitivitet IN ('ikke-fortrolig', 'fortrolig', 'foelsom')),
  oprettet      timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE bfo_dueslag (
  uuid                uuid PRIMARY KEY,
  navn                text NOT NULL,
  ejer                text NOT NULL,
  levering            text NOT NULL CHECK (levering IN ('pull', 'push', 'amqp')),
  push_url            text,
  push_hemmelighed    text,
  opbevaring_sekunder integer NOT NULL CHECK (opbevaring_sekunder > 0),
  max_leveringer      integer NOT NULL CHECK (max_leveringer > 0),
  synlighed_sekunder  integer NOT NULL CHECK (synlighed_sekunder > 0),
  -- Hand out one message per object at a time, in order (store transport).
  ordnet              boolean NOT NULL DEFAULT false,
  oprettet            timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((levering = 'push') = (push_url IS NOT NULL))
);

CREATE TABLE bfo_vaerdiliste (
  uuid      uuid PRIMARY KEY,
  navn      text NOT NULL,
  ejer      text NOT NULL,
  antal     integer NOT NULL DEFAULT 0,
  oprettet  timestamptz NOT NULL DEFAULT clock_timestamp(),
  rettet    timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE bfo_vaerdi (
  liste   uuid NOT NULL REFERENCES bfo_vaerdiliste (uuid) ON DELETE CASCADE,
  vaerdi  text NOT NULL,
  PRIMARY KEY (liste, vaerdi)
);
-- Routing asks "which lists hold any of this message's values": by value first.
CREATE INDEX bfo_vaerdi_vaerdi ON bfo_vaerdi (vaerdi);

CREATE TABLE bfo_abonnement (
  uuid        uuid PRIMARY KEY,
  dueslag     uuid NOT NULL REFERENCES bfo_dueslag (uuid) ON DELETE CASCADE,
  beskedtype  uuid NOT NULL REFERENCES bfo_beskedtype (uuid),
  filter      jsonb NOT NULL DEFAULT '{}'::jsonb,
  oprettet    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX bfo_abonnement_dueslag ON bfo_abonnement (dueslag);
CREATE INDEX bfo_abonnement_beskedtype ON bfo_abonnement (beskedtype);

-- The value lists a subscription's filter refers to: a list in use cannot be deleted.
CREATE TABLE bfo_abonnement_liste (
  abonnement  uuid NOT NULL REFERENCES bfo_abonnement (uuid) ON DELETE CASCADE,
  liste       uuid NOT NULL REFERENCES bfo_vaerdiliste (uuid),
  PRIMARY KEY (abonnement, liste)
);

-- Bumped by every change to the subscriptions, so each instance knows when to rebuild its index.
CREATE TABLE bfo_abonnement_version (
  id       integer PRIMARY KEY CHECK (id = 1),
  version  bigint NOT NULL
);
INSERT INTO bfo_abonnement_version (id, version) VALUES (1, 0);

CREATE FUNCTION bfo_abonnement_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE bfo_abonnement_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END $$;
CREATE TRIGGER bfo_abonnement_changed AFTER INSERT OR UPDATE OR DELETE ON bfo_abonnement
  FOR EACH STATEMENT EXECUTE FUNCTION bfo_abonnement_changed();

-- Every message received, once per BeskedId, in the JSON form of the envelope.
CREATE TABLE bfo_besked (
  seq         bigserial PRIMARY KEY,
  besked_id   uuid NOT NULL UNIQUE,
  beskedtype  uuid NOT NULL,
  afsender    text,
  modtaget    timestamptz NOT NULL DEFAULT clock_timestamp(),
  kuvert      json NOT NULL
);
CREATE INDEX bfo_besked_modtaget ON bfo_besked (modtaget);

-- One row per (dueslag, message).
--   klar        waiting to be handed out (from synlig_fra on)
--   udleveret   handed out under a lease (laan) until synlig_fra; then it may be handed out again
--   kvitteret   acknowledged; kept for replay until the dueslag's retention has passed
--   doed        over the delivery limit, or push gave up: the dead-letter list
--   publiceres  (RabbitMQ) recorded, not yet confirmed by the broker
--   publiceret  (RabbitMQ) confirmed by the broker
CREATE TABLE bfo_levering (
  id                bigserial PRIMARY KEY,
  dueslag           uuid NOT NULL REFERENCES bfo_dueslag (uuid) ON DELETE CASCADE,
  besked_seq        bigint NOT NULL REFERENCES bfo_besked (seq) ON DELETE CASCADE,
  abonnement        uuid NOT NULL,
  tilladt_modtager  text[],
  -- The object the message is about (its first ObjektId): the key of ordering per object.
  objekt            text,
  tilstand          text NOT NULL DEFAULT 'klar'
                    CHECK (tilstand IN ('klar', 'udleveret', 'kvitteret', 'doed', 'publiceres', 'publiceret')),
  forsoeg           integer NOT NULL DEFAULT 0,
  synlig_fra        timestamptz NOT NULL DEFAULT '-infinity',
  laan              uuid,
  leveret           timestamptz,
  kvitteret         timestamptz,
  sidste_fejl       text,
  UNIQUE (dueslag, besked_seq)
);
CREATE INDEX bfo_levering_koe ON bfo_levering (dueslag, id) WHERE tilstand IN ('klar', 'udleveret');
CREATE INDEX bfo_levering_objekt ON bfo_levering (dueslag, objekt, id) WHERE tilstand IN ('klar', 'udleveret') AND objekt IS NOT NULL;
CREATE INDEX bfo_levering_doed ON bfo_levering (dueslag, id) WHERE tilstand = 'doed';
CREATE INDEX bfo_levering_kvitteret ON bfo_levering (dueslag, kvitteret) WHERE tilstand = 'kvitteret';
CREATE INDEX bfo_levering_publiceres ON bfo_levering (id) WHERE tilstand = 'publiceres';
CREATE INDEX bfo_levering_besked ON bfo_levering (besked_seq);
