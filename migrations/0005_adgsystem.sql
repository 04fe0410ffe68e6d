-- FK Adgangsstyring for Systemer: services, IT systems and their credentials, service agreements,
-- and the client assertions already seen (RFC 7523: a jti is never accepted twice).

CREATE TABLE adg_service (
  uuid        uuid PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  entity_id   text NOT NULL UNIQUE,
  privileges  jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE adg_it_system (
  uuid          uuid PRIMARY KEY,
  name          text NOT NULL,
  supplier_cvr  text NOT NULL,
  contact       text,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- A registered certificate (its SHA-256 thumbprint is what mTLS presents) or public key (JWK,
-- RFC 7638 thumbprint) of an IT system. Only the public part is ever stored.
CREATE TABLE adg_credential (
  uuid        uuid PRIMARY KEY,
  it_system   uuid NOT NULL REFERENCES adg_it_system (uuid),
  kind        text NOT NULL CHECK (kind IN ('certificate', 'jwk')),
  thumbprint  text NOT NULL UNIQUE,
  kid         text,
  material    text NOT NULL,
  subject     text,
  serial      text,
  not_before  timestamptz,
  not_after   timestamptz,
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX adg_credential_system ON adg_credential (it_system);

CREATE TABLE adg_agreement (
  uuid         uuid PRIMARY KEY,
  cvr          text NOT NULL,
  it_system    uuid NOT NULL REFERENCES adg_it_system (uuid),
  service      uuid NOT NULL REFERENCES adg_service (uuid),
  privileges   jsonb NOT NULL,
  kle          jsonb NOT NULL DEFAULT '[]'::jsonb,
  org_units    jsonb NOT NULL DEFAULT '[]'::jsonb,
  valid_from   timestamptz NOT NULL,
  valid_to     timestamptz NOT NULL DEFAULT 'infinity',
  state        text NOT NULL CHECK (state IN ('requested', 'approved', 'revoked')),
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  approved_by  text,
  approved_at  timestamptz,
  revoked_by   text,
  revoked_at   timestamptz,
  CHECK (valid_from < valid_to)
);
CREATE INDEX adg_agreement_lookup ON adg_agreement (it_system, service, cvr);
CREATE INDEX adg_agreement_cvr ON adg_agreement (cvr);

CREATE TABLE adg_client_assertion (
  client      uuid NOT NULL,
  jti         text NOT NULL,
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (client, jti)
);
CREATE INDEX adg_client_assertion_expiry ON adg_client_assertion (expires_at);
