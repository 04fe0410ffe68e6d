-- The platform's own tables: settings, the transactional outbox and the audit log.

CREATE TABLE platform_setting (
  name  text PRIMARY KEY,
  value text NOT NULL
);

-- Events recorded in the same transaction as the write that caused them.
CREATE TABLE outbox (
  id           bigserial PRIMARY KEY,
  topic        text NOT NULL,
  action       text NOT NULL,
  object_uuid  uuid,
  responsible  text,
  payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
  recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX outbox_recorded_at ON outbox (recorded_at);

-- Each registered consumer gets its own delivery row per event, so one slow consumer never
-- holds back another, and a delivered row is simply deleted.
CREATE TABLE outbox_consumer (
  name        text PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE outbox_delivery (
  consumer     text NOT NULL REFERENCES outbox_consumer (name) ON DELETE CASCADE,
  outbox_id    bigint NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
  -- Deliveries with the same key go out in outbox order: the key is the object's UUID.
  order_key    text NOT NULL,
  attempts     integer NOT NULL DEFAULT 0,
  not_before   timestamptz NOT NULL DEFAULT '-infinity',
  last_error   text,
  PRIMARY KEY (consumer, outbox_id)
);
CREATE INDEX outbox_delivery_key ON outbox_delivery (consumer, order_key, outbox_id);

CREATE FUNCTION outbox_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox_delivery (consumer, outbox_id, order_key)
  SELECT c.name, NEW.id, COALESCE(NEW.object_uuid::text, NEW.id::text) FROM outbox_consumer c;
  -- Wakes relays on every instance at commit (identical notifications in one transaction fold);
  -- with no consumer there is nobody to wake.
  IF FOUND THEN
    PERFORM pg_notify('stotte_outbox', '');
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER outbox_fan_out AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_fan_out();

-- Who read or changed what about whom, and why. Rows are never changed or removed.
CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor        text NOT NULL,
  actor_cvr    text,
  action       text NOT NULL,
  object_type  text,
  object_uuid  uuid,
  -- A keyed hash of the person's CPR number: the number itself never reaches this table.
  person_ref   text,
  purpose      text,
  request_id   text,
  details      jsonb
);
CREATE INDEX audit_log_object ON audit_log (object_uuid);
CREATE INDEX audit_log_person ON audit_log (person_ref) WHERE person_ref IS NOT NULL;

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
