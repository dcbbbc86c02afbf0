// Whether this process runs for an unprivileged user. The native launcher (native/) runs the CLI as
// uid 0 inside the user namespace and sets _TSPOD_ROOTLESS_UID to the real uid, so "uid 0" alone
// does not mean rootful.

/** The invoking user's real uid when rootless, else undefined. */
export function rootlessUid(): number | undefined {
  const env = process.env._TSPOD_ROOTLESS_UID;
  if (env) return Number(env);
  const uid = process.getuid?.() ?? 0;
  return uid === 0 ? undefined : uid;
}

export function isRootless(): boolean {
  return rootlessUid() !== undefined;
}

/** True when this process already runs inside tspod's user namespace (set by the launcher). */
export function inUserNamespace(): boolean {
  return process.env._TSPOD_USERNS === '1';
}
