CREATE TABLE "identification_stages" (
	"stage_uuid" uuid PRIMARY KEY NOT NULL,
	"user_fields" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"password_stage" uuid,
	"captcha_stage" uuid,
	"case_insensitive_matching" boolean DEFAULT true NOT NULL,
	"show_matched_user" boolean DEFAULT true NOT NULL,
	"enrollment_flow" uuid,
	"recovery_flow" uuid,
	"passwordless_flow" uuid,
	"sources" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"show_source_labels" boolean DEFAULT false NOT NULL,
	"pretend_user_exists" boolean DEFAULT true NOT NULL,
	"enable_remember_me" boolean DEFAULT false NOT NULL,
	"webauthn_stage" uuid
);
--> statement-breakpoint
CREATE TABLE "password_stages" (
	"stage_uuid" uuid PRIMARY KEY NOT NULL,
	"backends" jsonb NOT NULL,
	"configure_flow" uuid,
	"failed_attempts_before_cancel" integer DEFAULT 5 NOT NULL,
	"allow_show_password" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
ALTER TABLE "identification_stages" ADD CONSTRAINT "identification_stages_stage_uuid_stages_stage_uuid_fk" FOREIGN KEY ("stage_uuid") REFERENCES "public"."stages"("stage_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identification_stages" ADD CONSTRAINT "identification_stages_password_stage_stages_stage_uuid_fk" FOREIGN KEY ("password_stage") REFERENCES "public"."stages"("stage_uuid") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identification_stages" ADD CONSTRAINT "identification_stages_captcha_stage_stages_stage_uuid_fk" FOREIGN KEY ("captcha_stage") REFERENCES "public"."stages"("stage_uuid") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identification_stages" ADD CONSTRAINT "identification_stages_enrollment_flow_flows_flow_uuid_fk" FOREIGN KEY ("enrollment_flow") REFERENCES "public"."flows"("flow_uuid") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identification_stages" ADD CONSTRAINT "identification_stages_recovery_flow_flows_flow_uuid_fk" FOREIGN KEY ("recovery_flow") REFERENCES "public"."flows"("flow_uuid") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identification_stages" ADD CONSTRAINT "identification_stages_passwordless_flow_flows_flow_uuid_fk" FOREIGN KEY ("passwordless_flow") REFERENCES "public"."flows"("flow_uuid") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identification_stages" ADD CONSTRAINT "identification_stages_webauthn_stage_stages_stage_uuid_fk" FOREIGN KEY ("webauthn_stage") REFERENCES "public"."stages"("stage_uuid") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "password_stages" ADD CONSTRAINT "password_stages_stage_uuid_stages_stage_uuid_fk" FOREIGN KEY ("stage_uuid") REFERENCES "public"."stages"("stage_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "password_stages" ADD CONSTRAINT "password_stages_configure_flow_flows_flow_uuid_fk" FOREIGN KEY ("configure_flow") REFERENCES "public"."flows"("flow_uuid") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE TRIGGER identification_stages_notify_flows AFTER UPDATE OR DELETE OR TRUNCATE ON identification_stages
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('flows');
--> statement-breakpoint
CREATE TRIGGER password_stages_notify_flows AFTER UPDATE OR DELETE OR TRUNCATE ON password_stages
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('flows');
