CREATE TABLE "invitation_groups" (
	"invitation_uuid" uuid NOT NULL,
	"group_uuid" uuid NOT NULL,
	CONSTRAINT "invitation_groups_invitation_uuid_group_uuid_pk" PRIMARY KEY("invitation_uuid","group_uuid")
);
--> statement-breakpoint
CREATE TABLE "invitation_roles" (
	"invitation_uuid" uuid NOT NULL,
	"role_uuid" uuid NOT NULL,
	CONSTRAINT "invitation_roles_invitation_uuid_role_uuid_pk" PRIMARY KEY("invitation_uuid","role_uuid")
);
--> statement-breakpoint
ALTER TABLE "invitations" ADD COLUMN "email" text;--> statement-breakpoint
ALTER TABLE "invitations" ADD COLUMN "email_domains" text[];--> statement-breakpoint
ALTER TABLE "invitation_groups" ADD CONSTRAINT "invitation_groups_invitation_uuid_invitations_invite_uuid_fk" FOREIGN KEY ("invitation_uuid") REFERENCES "public"."invitations"("invite_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitation_groups" ADD CONSTRAINT "invitation_groups_group_uuid_groups_group_uuid_fk" FOREIGN KEY ("group_uuid") REFERENCES "public"."groups"("group_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitation_roles" ADD CONSTRAINT "invitation_roles_invitation_uuid_invitations_invite_uuid_fk" FOREIGN KEY ("invitation_uuid") REFERENCES "public"."invitations"("invite_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitation_roles" ADD CONSTRAINT "invitation_roles_role_uuid_roles_uuid_fk" FOREIGN KEY ("role_uuid") REFERENCES "public"."roles"("uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "invitation_groups_group_idx" ON "invitation_groups" USING btree ("group_uuid");--> statement-breakpoint
CREATE INDEX "invitation_roles_role_idx" ON "invitation_roles" USING btree ("role_uuid");