/** The actions the audit log records. */
export const auditActions = [
  'auth.register',
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.refresh_reused',
  'api_key.create',
  'api_key.revoke',
  'memory.delete',
  'admin.user_disable',
  'admin.user_enable',
  'admin.admin_grant',
  'admin.admin_revoke',
  'admin.registration_change',
  'team.create',
  'team.rename',
  'team.delete',
  'team.invite',
  'team.invite_revoke',
  'team.join',
  'team.member_remove',
  'team.member_role',
  'share.create',
  'share.update',
  'share.revoke',
] as const;
export type AuditAction = (typeof auditActions)[number];

/** An action as a component reports it; the recorder adds the time. */
export interface AuditEntry {
  action: AuditAction;
  /** The user who acted; undefined for an anonymous attempt such as a failed login. */
  actorId?: string | undefined;
  targetType?:
    'user' | 'session' | 'api_key' | 'memory' | 'setting' | 'team' | 'invite' | 'share' | undefined;
  /** The team the action concerns; its owners can read the entry. */
  teamId?: string | undefined;
  targetId?: string | undefined;
  /** Facts that identify what happened, such as the email of a failed login. Never secrets. */
  details?: Record<string, unknown> | undefined;
  /** The origin of the request that caused the action, when a request did. */
  origin?: AuditOrigin | undefined;
}

/** The client address and user agent of the request that caused an action. */
export interface AuditOrigin {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

/** A recorded entry, as the audit log returns it. */
export interface AuditEvent {
  id: string;
  occurredAt: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
}

/** Receives audit entries; a failure to record must not fail the action it describes. */
export type AuditRecorder = (entry: AuditEntry) => Promise<void>;

export interface AuditQuery {
  actorId?: string | undefined;
  /** Only the entries that concern this team. */
  teamId?: string | undefined;
  action?: string | undefined;
  /** ISO 8601 times; `since` is inclusive and `until` exclusive. */
  since?: string | undefined;
  until?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface AuditPage {
  items: AuditEvent[];
  nextCursor: string | null;
}
