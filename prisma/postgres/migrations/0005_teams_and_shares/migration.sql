-- AlterTable
ALTER TABLE "contexts" ADD COLUMN     "team_id" TEXT,
ALTER COLUMN "owner_id" DROP NOT NULL;

-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "team_id" TEXT;

-- CreateTable
CREATE TABLE "teams" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "team_members" (
    "team_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "team_members_pkey" PRIMARY KEY ("team_id","user_id")
);

-- CreateTable
CREATE TABLE "team_invites" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "invited_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "accepted_at" TIMESTAMPTZ(3),
    "accepted_by" TEXT,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "team_invites_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "shares" (
    "id" TEXT NOT NULL,
    "context_id" TEXT NOT NULL,
    "user_id" TEXT,
    "team_id" TEXT,
    "permission" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "shares_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "teams_name_key" ON "teams"("name");

-- CreateIndex
CREATE INDEX "team_members_user_id_idx" ON "team_members"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "team_invites_token_hash_key" ON "team_invites"("token_hash");

-- CreateIndex
CREATE INDEX "team_invites_team_id_idx" ON "team_invites"("team_id");

-- CreateIndex
CREATE INDEX "shares_user_id_idx" ON "shares"("user_id");

-- CreateIndex
CREATE INDEX "shares_team_id_idx" ON "shares"("team_id");

-- CreateIndex
CREATE UNIQUE INDEX "shares_context_id_user_id_key" ON "shares"("context_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "shares_context_id_team_id_key" ON "shares"("context_id", "team_id");

-- CreateIndex
CREATE UNIQUE INDEX "contexts_team_id_name_key" ON "contexts"("team_id", "name");

-- CreateIndex
CREATE INDEX "audit_events_team_id_occurred_at_idx" ON "audit_events"("team_id", "occurred_at");

-- AddForeignKey
ALTER TABLE "contexts" ADD CONSTRAINT "contexts_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "team_invites" ADD CONSTRAINT "team_invites_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "shares" ADD CONSTRAINT "shares_context_id_fkey" FOREIGN KEY ("context_id") REFERENCES "contexts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "shares" ADD CONSTRAINT "shares_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "shares" ADD CONSTRAINT "shares_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Written by hand: rules Prisma cannot express.
-- A context belongs to exactly one user or one team; a share grants access to exactly one user or team.
ALTER TABLE "contexts" ADD CONSTRAINT "contexts_one_owner" CHECK (("owner_id" IS NULL) <> ("team_id" IS NULL));
ALTER TABLE "shares" ADD CONSTRAINT "shares_one_grantee" CHECK (("user_id" IS NULL) <> ("team_id" IS NULL));
ALTER TABLE "shares" ADD CONSTRAINT "shares_permission" CHECK ("permission" IN ('read', 'write'));
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_role" CHECK ("role" IN ('owner', 'admin', 'member'));
ALTER TABLE "team_invites" ADD CONSTRAINT "team_invites_role" CHECK ("role" IN ('owner', 'admin', 'member'));
