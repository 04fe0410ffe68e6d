/**
 * The table of the platform's systems: the one list everything that names them derives from (the
 * store's object types, the services tokens are issued for, `--only`, the error catalogue's check,
 * the Beskedfordeler's relay of register events, docs/systems/README.md). Adding a system is its
 * folder under src/services/ and one line here. The order is the order they are built and seeded
 * in: FK Adgangsstyring's demo IT system first, KLE before the organisations that use it, the
 * Beskedfordeler last (it relays the registers' events).
 */
import type { ContentRules } from './oio/store/oio-store.ts';
import type { ObjectTypeDecl } from './oio/model.ts';
import type { ProtectedService } from './platform/auth/http.ts';
import { adgsystemDefinition } from './services/adgsystem/index.ts';
import { bfoDefinition } from './services/bfo/index.ts';
import { klaDefinition } from './services/kla/index.ts';
import { orgDefinition } from './services/org/index.ts';

export const SERVICES = [adgsystemDefinition, klaDefinition, orgDefinition, bfoDefinition] as const;

/** The name of a built system. */
export type BuiltService = (typeof SERVICES)[number]['name'];

/** Every system's running form, by name. */
export type RunningServices = {
  readonly [S in (typeof SERVICES)[number] as S['name']]: Awaited<ReturnType<S['create']>>;
};

/** The names `--only` accepts. */
export const SERVICE_NAMES: readonly string[] = SERVICES.map((s) => s.name);

/** Every object type the registers declare on the OIO store. */
export const OIO_TYPES: readonly ObjectTypeDecl[] = SERVICES.flatMap((s) => s.types ?? []);

/** The registers' own rules over writes, per object type. */
export const OIO_RULES: ContentRules = Object.assign({}, ...SERVICES.map((s) => s.rules ?? {}));

/** The platform's services that take tokens, by name (`stotte token --service NAME`). */
export const PROTECTED_SERVICES: readonly ProtectedService[] = SERVICES.map((s) => s.protected);
