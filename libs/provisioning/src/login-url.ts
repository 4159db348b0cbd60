/** A server URL logged in as another user: the same server, database or vhost, this user and password. */
export function loginUrl(serverUrl: string, user: string, password: string): string {
  const url = new URL(serverUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  return url.toString();
}
