CREATE TABLE "email_stages" (
	"stage_uuid" uuid PRIMARY KEY NOT NULL,
	"use_global_settings" boolean DEFAULT false NOT NULL,
	"host" text DEFAULT 'localhost' NOT NULL,
	"port" integer DEFAULT 25 NOT NULL,
	"username" text DEFAULT '' NOT NULL,
	"password" text DEFAULT '' NOT NULL,
	"use_tls" boolean DEFAULT false NOT NULL,
	"use_ssl" boolean DEFAULT false NOT NULL,
	"timeout" integer DEFAULT 10 NOT NULL,
	"from_address" text DEFAULT 'system@authentik.local' NOT NULL,
	"token_expiry" text DEFAULT 'minutes=30' NOT NULL,
	"subject" text DEFAULT 'authentik' NOT NULL,
	"template" text DEFAULT 'email/password_reset.html' NOT NULL,
	"activate_user_on_success" boolean DEFAULT false NOT NULL,
	"recovery_max_attempts" integer DEFAULT 5 NOT NULL,
	"recovery_cache_timeout" text DEFAULT 'minutes=5' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flow_tokens" (
	"token_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key_hash" text NOT NULL,
	"plan_id" uuid NOT NULL,
	"flow" uuid NOT NULL,
	"stage" uuid NOT NULL,
	"email" text NOT NULL,
	"plan" jsonb NOT NULL,
	"expires" timestamp(6) with time zone NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "flow_tokens_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
ALTER TABLE "email_stages" ADD CONSTRAINT "email_stages_stage_uuid_stages_stage_uuid_fk" FOREIGN KEY ("stage_uuid") REFERENCES "public"."stages"("stage_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_tokens" ADD CONSTRAINT "flow_tokens_flow_flows_flow_uuid_fk" FOREIGN KEY ("flow") REFERENCES "public"."flows"("flow_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_tokens" ADD CONSTRAINT "flow_tokens_stage_stages_stage_uuid_fk" FOREIGN KEY ("stage") REFERENCES "public"."stages"("stage_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "flow_tokens_plan_id_idx" ON "flow_tokens" USING btree ("plan_id");--> statement-breakpoint
CREATE INDEX "flow_tokens_expires_idx" ON "flow_tokens" USING btree ("expires");--> statement-breakpoint
CREATE INDEX "flow_tokens_stage_email_idx" ON "flow_tokens" USING btree ("stage","email","created");--> statement-breakpoint
-- Hand-written: a plan keeps the email stage's settings read with the flow, so a change to
-- them empties every instance's flow cache, as for the other stage tables (migration 0007).
CREATE TRIGGER email_stages_notify_flows AFTER UPDATE OR DELETE OR TRUNCATE ON email_stages
  FOR EACH STATEMENT EXECUTE FUNCTION tessera_notify_change('flows');
