import { Client } from 'pg';
import { loginUrl } from './login-url';

/** A service and the schema it owns. */
export interface ServiceSchema {
  readonly service: string;
  readonly schema: string;
}

/** What setting up the services' database roles needs. */
export interface ServiceRolesSetup {
  /** A superuser's URL of the database the services share. */
  readonly adminUrl: string;
  readonly services: readonly ServiceSchema[];
  /** The password each service's role gets (ignored where the server trusts local connections). */
  passwordFor(service: string): string;
}

/** The role a service logs in as on a database: `<database>_<schema>`, so databases on one server never share one. */
export function serviceRoleName(database: string, schema: string): string {
  return `${database}_${schema}`.slice(0, 63);
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

// Everything in the schema that has an owner of its own: relations (a sequence owned by a column follows
// its table), functions and free-standing types.
const ownedObjects = `
  SELECT format('ALTER %s %I.%I OWNER TO %I',
                CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                               WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                n.nspname, c.relname, $2::text) AS statement
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
     AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))
  UNION ALL
  SELECT format('ALTER FUNCTION %I.%I(%s) OWNER TO %I', n.nspname, p.proname,
                pg_get_function_identity_arguments(p.oid), $2::text)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
  UNION ALL
  SELECT format('ALTER TYPE %I.%I OWNER TO %I', n.nspname, t.typname, $2::text)
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE n.nspname = $1 AND t.typtype IN ('e', 'd', 'r')`;

/**
 * Gives each service a login role of its own that owns its schema and everything in it, and nothing
 * else: another service's schema is closed to it (no USAGE), and it cannot create schemas. Migrations
 * then run as the owning role. Idempotent; objects an earlier run left owned by another role are handed
 * over. Returns each service's database URL.
 */
export async function setUpServiceRoles(setup: ServiceRolesSetup): Promise<Record<string, string>> {
  const database = databaseOf(setup.adminUrl);
  const client = new Client({ connectionString: setup.adminUrl });
  await client.connect();
  const urls: Record<string, string> = {};
  try {
    await client.query(`REVOKE CREATE ON DATABASE ${ident(database)} FROM PUBLIC`);
    for (const { service, schema } of setup.services) {
      const role = serviceRoleName(database, schema);
      const password = setup.passwordFor(service);
      const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      const verb = rowCount === 0 ? 'CREATE' : 'ALTER';
      await client.query(
        `${verb} ROLE ${ident(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password.replace(/'/g, "''")}'`,
      );
      await client.query(`GRANT CONNECT ON DATABASE ${ident(database)} TO ${ident(role)}`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)} AUTHORIZATION ${ident(role)}`);
      await client.query(`ALTER SCHEMA ${ident(schema)} OWNER TO ${ident(role)}`);
      const { rows } = await client.query<{ statement: string }>(ownedObjects, [schema, role]);
      for (const { statement } of rows) await client.query(statement);
      urls[service] = loginUrl(setup.adminUrl, role, password);
    }
  } finally {
    await client.end();
  }
  return urls;
}

/** Drops the roles of a database's services, once the database is gone (a test's teardown). */
export async function dropServiceRoles(serverUrl: string, database: string, schemas: readonly string[]): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP ROLE IF EXISTS ${ident(serviceRoleName(database, schema))}`);
  } finally {
    await client.end();
  }
}
