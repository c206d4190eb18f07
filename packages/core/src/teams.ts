/** Roles in a team, strongest first. */
export const teamRoles = ['owner', 'admin', 'member'] as const;
export type TeamRole = (typeof teamRoles)[number];

/** The access a share grants on a context. */
export const sharePermissions = ['read', 'write'] as const;
export type SharePermission = (typeof sharePermissions)[number];

/**
 * The caller's access to a context. `manage` is read, write and share, for the owner and for a
 * team's owners and admins. `write` is read and change memories, and `read` is read only.
 */
export const contextPermissions = ['manage', 'write', 'read'] as const;
export type ContextPermission = (typeof contextPermissions)[number];

/** The owner of a context, as the caller names it. */
export interface ContextOwner {
  /** `self` for the caller's own contexts. */
  type: 'self' | 'user' | 'team';
  /** The team name or the owner's email; null for `self`. */
  name: string | null;
}

export interface Team {
  id: string;
  name: string;
  createdAt: string;
  /** The caller's role in the team. */
  role: TeamRole;
  memberCount: number;
}

export interface TeamMember {
  userId: string;
  email: string | null;
  name: string | null;
  role: TeamRole;
  joinedAt: string;
}

/** An invitation as listed to the team's admins; the token is shown only when it is created. */
export interface TeamInvite {
  id: string;
  team: string;
  email: string;
  role: TeamRole;
  invitedBy: string;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
}

/** A share of a context, as its managers list it. */
export interface Share {
  id: string;
  /** The context as the caller names it. */
  context: string;
  /** The receiver of access: a user by email, or every member of a team. */
  grantee: { type: 'user' | 'team'; name: string };
  permission: SharePermission;
  createdBy: string;
  createdAt: string;
}
