import type { EntityManager } from 'typeorm';
import { schemaOf } from '@saga/persistence';

/** Where a shopper's e-mail goes, and what it calls them. */
export interface Profile {
  readonly userId: string;
  readonly email: string;
  readonly name: string | null;
}

/** The shopper's profile, or undefined when they have none. */
export async function profileOf(manager: EntityManager, userId: string): Promise<Profile | undefined> {
  const [row]: Profile[] = await manager.query(
    `SELECT user_id AS "userId", email, name FROM "${schemaOf(manager.connection)}".profiles WHERE user_id = $1`,
    [userId],
  );
  return row;
}

/** Sets the shopper's profile (the notifications recorded from now on use it) and returns it. */
export async function saveProfile(manager: EntityManager, profile: Profile): Promise<Profile> {
  await manager.query(
    `INSERT INTO "${schemaOf(manager.connection)}".profiles (user_id, email, name) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, name = excluded.name, updated_at = now()`,
    [profile.userId, profile.email, profile.name],
  );
  return profile;
}
