export { staff } from './access';
export type { Access } from './access';
export { algorithmsFor, identitySettingsFrom } from './identity-settings';
export type { AuthConfig, IdentitySettings, VerificationKey } from './identity-settings';
export { issueToken } from './issue-token';
export type { TokenIssuer, TokenRequest } from './issue-token';
export { callerFromClaims, InvalidClaimsError, Role } from './roles';
export type { Caller } from './roles';
