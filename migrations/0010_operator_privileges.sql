-- Privileges only the platform operator may grant. Such a privilege reaches every municipality's
-- data (FK Adgangsstyring's `operatoer`, FK Klassifikation's national `administrer`), so a
-- municipality's approval of an agreement cannot give it: the service lists them here, and an
-- agreement naming one counts only when the operator approved it or the operator's own tools
-- provisioned it.
ALTER TABLE adg_service ADD COLUMN operator_privileges jsonb NOT NULL DEFAULT '[]'::jsonb;

-- Who approved an agreement: the municipality it names, the operator, or the operator's own tools
-- (bootstrap, demo seed, tests) that insert it approved. Null while it is only requested.
ALTER TABLE adg_agreement ADD COLUMN approved_as text CHECK (approved_as IN ('municipality', 'operator', 'provisioned'));

-- Until now only a municipality approved over HTTP (its actor is the approving IT system); every
-- other approval was provisioned.
UPDATE adg_agreement
SET approved_as = CASE WHEN approved_by LIKE 'itsystem:%' THEN 'municipality' ELSE 'provisioned' END
WHERE approved_by IS NOT NULL;
