CREATE TABLE "user_logout_stages" (
	"stage_uuid" uuid PRIMARY KEY NOT NULL
);
--> statement-breakpoint
ALTER TABLE "user_logout_stages" ADD CONSTRAINT "user_logout_stages_stage_uuid_stages_stage_uuid_fk" FOREIGN KEY ("stage_uuid") REFERENCES "public"."stages"("stage_uuid") ON DELETE cascade ON UPDATE no action;