ALTER TABLE "invitations" ADD COLUMN "used_up_at" timestamp(6) with time zone;--> statement-breakpoint
ALTER TABLE "invitations" ADD COLUMN "revoked_at" timestamp(6) with time zone;--> statement-breakpoint
ALTER TABLE "invitations" ADD COLUMN "revoked_by" integer;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invitations_used_up_at_idx" ON "invitations" USING btree ("used_up_at");--> statement-breakpoint
CREATE INDEX "invitations_revoked_at_idx" ON "invitations" USING btree ("revoked_at");--> statement-breakpoint
-- Hand-written: multi-use invitations already used up get the time of their last use (or now,
-- when no usage record is left), so the retention clean-up counts from then.
UPDATE "invitations" i SET "used_up_at" = COALESCE(
  (SELECT max(u."used") FROM "invitation_uses" u WHERE u."invitation_uuid" = i."invite_uuid"), now())
WHERE i."max_uses" IS NOT NULL AND i."uses" >= i."max_uses";
