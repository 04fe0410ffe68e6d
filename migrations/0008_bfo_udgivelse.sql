-- FK Beskedfordeler on RabbitMQ: a message's deliveries are recorded on the message itself, not as
-- one row each, and the process that took the message in publishes them as soon as the ingest
-- commits. Until the broker has confirmed them the message has a row in bfo_udgivelse; from its
-- `udgiv_efter` on any instance's forwarder publishes it (the taking process crashed, or the broker
-- was away). The store transport and push deliveries keep their rows in bfo_levering.

-- [{dueslag, abonnement, tilladt}] as routed at ingest: what was published, and what a replay
-- publishes again. Null where the deliveries are rows (the store transport).
ALTER TABLE bfo_besked ADD COLUMN leveringer jsonb;

-- No foreign key to bfo_besked: its check would lock the message row just written, at every
-- ingest. Retention does not remove a message that still has a row here.
CREATE TABLE bfo_udgivelse (
  seq          bigint PRIMARY KEY,
  udgiv_efter  timestamptz NOT NULL
);
