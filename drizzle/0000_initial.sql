CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TABLE "events" (
	"event_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"action" text NOT NULL,
	"app" text NOT NULL,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"client_ip" text,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"expires" timestamp(6) with time zone NOT NULL,
	"brand" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flow_stage_bindings" (
	"fsb_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"pbm_uuid" uuid DEFAULT gen_random_uuid() NOT NULL,
	"target" uuid NOT NULL,
	"stage" uuid NOT NULL,
	"evaluate_on_plan" boolean DEFAULT false NOT NULL,
	"re_evaluate_policies" boolean DEFAULT true NOT NULL,
	"order" integer NOT NULL,
	"policy_engine_mode" text DEFAULT 'any' NOT NULL,
	"invalid_response_action" text DEFAULT 'retry' NOT NULL,
	CONSTRAINT "flow_stage_bindings_pbm_uuid_unique" UNIQUE("pbm_uuid")
);
--> statement-breakpoint
CREATE TABLE "flows" (
	"flow_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"pbm_uuid" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"designation" text NOT NULL,
	"background" text DEFAULT '' NOT NULL,
	"policy_engine_mode" text DEFAULT 'any' NOT NULL,
	"compatibility_mode" boolean DEFAULT false NOT NULL,
	"layout" text DEFAULT 'stacked' NOT NULL,
	"denied_action" text DEFAULT 'message_continue' NOT NULL,
	"authentication" text DEFAULT 'none' NOT NULL,
	CONSTRAINT "flows_pbm_uuid_unique" UNIQUE("pbm_uuid")
);
--> statement-breakpoint
CREATE TABLE "group_parents" (
	"group_uuid" uuid NOT NULL,
	"parent_uuid" uuid NOT NULL,
	CONSTRAINT "group_parents_group_uuid_parent_uuid_pk" PRIMARY KEY("group_uuid","parent_uuid")
);
--> statement-breakpoint
CREATE TABLE "group_roles" (
	"group_uuid" uuid NOT NULL,
	"role_uuid" uuid NOT NULL,
	CONSTRAINT "group_roles_group_uuid_role_uuid_pk" PRIMARY KEY("group_uuid","role_uuid")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"group_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"num_pk" serial NOT NULL,
	"name" text NOT NULL,
	"is_superuser" boolean DEFAULT false NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "groups_num_pk_unique" UNIQUE("num_pk")
);
--> statement-breakpoint
CREATE TABLE "invitation_stages" (
	"stage_uuid" uuid PRIMARY KEY NOT NULL,
	"continue_flow_without_invitation" boolean DEFAULT false NOT NULL,
	"single_use_consumption" text DEFAULT 'open' NOT NULL,
	"lease_seconds" integer DEFAULT 900 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invitation_uses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"invitation_uuid" uuid NOT NULL,
	"user_id" integer,
	"username" text DEFAULT '' NOT NULL,
	"client_ip" text,
	"used" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "invitations" (
	"invite_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"expires" timestamp(6) with time zone,
	"expiring" boolean DEFAULT true NOT NULL,
	"flow" uuid,
	"single_use" boolean DEFAULT false NOT NULL,
	"created_by" integer NOT NULL,
	"fixed_data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"max_uses" integer,
	"uses" integer DEFAULT 0 NOT NULL,
	"lease_holder" text,
	"lease_expires" timestamp(6) with time zone
);
--> statement-breakpoint
CREATE TABLE "permission_grants" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"permission_id" integer NOT NULL,
	"role_uuid" uuid,
	"user_id" integer,
	"object_pk" text
);
--> statement-breakpoint
CREATE TABLE "permissions" (
	"id" serial PRIMARY KEY NOT NULL,
	"app_label" text NOT NULL,
	"model" text NOT NULL,
	"codename" text NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prompt_stage_fields" (
	"stage_uuid" uuid NOT NULL,
	"prompt_uuid" uuid NOT NULL,
	CONSTRAINT "prompt_stage_fields_stage_uuid_prompt_uuid_pk" PRIMARY KEY("stage_uuid","prompt_uuid")
);
--> statement-breakpoint
CREATE TABLE "prompt_stages" (
	"stage_uuid" uuid PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prompts" (
	"prompt_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"field_key" text NOT NULL,
	"label" text NOT NULL,
	"type" text NOT NULL,
	"required" boolean DEFAULT true NOT NULL,
	"placeholder" text DEFAULT '' NOT NULL,
	"initial_value" text DEFAULT '' NOT NULL,
	"sub_text" text DEFAULT '' NOT NULL,
	"order" integer DEFAULT 0 NOT NULL,
	"placeholder_expression" boolean DEFAULT false NOT NULL,
	"initial_value_expression" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "roles" (
	"uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"session_key" text PRIMARY KEY NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"user_id" integer,
	"expires" timestamp(6) with time zone NOT NULL,
	"last_ip" text,
	"last_user_agent" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stages" (
	"stage_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "system_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tokens" (
	"token_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"identifier" text NOT NULL,
	"key" text NOT NULL,
	"intent" text DEFAULT 'verification' NOT NULL,
	"user_id" integer NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"expiring" boolean DEFAULT true NOT NULL,
	"expires" timestamp(6) with time zone,
	"managed" text
);
--> statement-breakpoint
CREATE TABLE "user_groups" (
	"user_id" integer NOT NULL,
	"group_uuid" uuid NOT NULL,
	CONSTRAINT "user_groups_user_id_group_uuid_pk" PRIMARY KEY("user_id","group_uuid")
);
--> statement-breakpoint
CREATE TABLE "user_login_stages" (
	"stage_uuid" uuid PRIMARY KEY NOT NULL,
	"session_duration" text DEFAULT 'seconds=0' NOT NULL,
	"terminate_other_sessions" boolean DEFAULT false NOT NULL,
	"remember_me_offset" text DEFAULT 'seconds=0' NOT NULL,
	"network_binding" text DEFAULT 'no_binding' NOT NULL,
	"geoip_binding" text DEFAULT 'no_binding' NOT NULL,
	"remember_device" text DEFAULT 'days=30' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_roles" (
	"user_id" integer NOT NULL,
	"role_uuid" uuid NOT NULL,
	CONSTRAINT "user_roles_user_id_role_uuid_pk" PRIMARY KEY("user_id","role_uuid")
);
--> statement-breakpoint
CREATE TABLE "user_write_stages" (
	"stage_uuid" uuid PRIMARY KEY NOT NULL,
	"user_creation_mode" text DEFAULT 'create_when_required' NOT NULL,
	"create_users_as_inactive" boolean DEFAULT false NOT NULL,
	"create_users_group" uuid,
	"user_type" text DEFAULT 'external' NOT NULL,
	"user_path_template" text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"uuid" uuid DEFAULT gen_random_uuid() NOT NULL,
	"username" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"email" text DEFAULT '' NOT NULL,
	"password" text,
	"password_change_date" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"last_login" timestamp(6) with time zone,
	"date_joined" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"last_updated" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"path" text DEFAULT 'users' NOT NULL,
	"type" text DEFAULT 'internal' NOT NULL,
	CONSTRAINT "users_uuid_unique" UNIQUE("uuid")
);
--> statement-breakpoint
ALTER TABLE "flow_stage_bindings" ADD CONSTRAINT "flow_stage_bindings_target_flows_flow_uuid_fk" FOREIGN KEY ("target") REFERENCES "public"."flows"("flow_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_stage_bindings" ADD CONSTRAINT "flow_stage_bindings_stage_stages_stage_uuid_fk" FOREIGN KEY ("stage") REFERENCES "public"."stages"("stage_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_parents" ADD CONSTRAINT "group_parents_group_uuid_groups_group_uuid_fk" FOREIGN KEY ("group_uuid") REFERENCES "public"."groups"("group_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_parents" ADD CONSTRAINT "group_parents_parent_uuid_groups_group_uuid_fk" FOREIGN KEY ("parent_uuid") REFERENCES "public"."groups"("group_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_roles" ADD CONSTRAINT "group_roles_group_uuid_groups_group_uuid_fk" FOREIGN KEY ("group_uuid") REFERENCES "public"."groups"("group_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_roles" ADD CONSTRAINT "group_roles_role_uuid_roles_uuid_fk" FOREIGN KEY ("role_uuid") REFERENCES "public"."roles"("uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitation_stages" ADD CONSTRAINT "invitation_stages_stage_uuid_stages_stage_uuid_fk" FOREIGN KEY ("stage_uuid") REFERENCES "public"."stages"("stage_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitation_uses" ADD CONSTRAINT "invitation_uses_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_flow_flows_flow_uuid_fk" FOREIGN KEY ("flow") REFERENCES "public"."flows"("flow_uuid") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "permission_grants" ADD CONSTRAINT "permission_grants_permission_id_permissions_id_fk" FOREIGN KEY ("permission_id") REFERENCES "public"."permissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "permission_grants" ADD CONSTRAINT "permission_grants_role_uuid_roles_uuid_fk" FOREIGN KEY ("role_uuid") REFERENCES "public"."roles"("uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "permission_grants" ADD CONSTRAINT "permission_grants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_stage_fields" ADD CONSTRAINT "prompt_stage_fields_stage_uuid_stages_stage_uuid_fk" FOREIGN KEY ("stage_uuid") REFERENCES "public"."stages"("stage_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_stage_fields" ADD CONSTRAINT "prompt_stage_fields_prompt_uuid_prompts_prompt_uuid_fk" FOREIGN KEY ("prompt_uuid") REFERENCES "public"."prompts"("prompt_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_stages" ADD CONSTRAINT "prompt_stages_stage_uuid_stages_stage_uuid_fk" FOREIGN KEY ("stage_uuid") REFERENCES "public"."stages"("stage_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_groups" ADD CONSTRAINT "user_groups_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_groups" ADD CONSTRAINT "user_groups_group_uuid_groups_group_uuid_fk" FOREIGN KEY ("group_uuid") REFERENCES "public"."groups"("group_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_login_stages" ADD CONSTRAINT "user_login_stages_stage_uuid_stages_stage_uuid_fk" FOREIGN KEY ("stage_uuid") REFERENCES "public"."stages"("stage_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_role_uuid_roles_uuid_fk" FOREIGN KEY ("role_uuid") REFERENCES "public"."roles"("uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_write_stages" ADD CONSTRAINT "user_write_stages_stage_uuid_stages_stage_uuid_fk" FOREIGN KEY ("stage_uuid") REFERENCES "public"."stages"("stage_uuid") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_write_stages" ADD CONSTRAINT "user_write_stages_create_users_group_groups_group_uuid_fk" FOREIGN KEY ("create_users_group") REFERENCES "public"."groups"("group_uuid") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_created_idx" ON "events" USING btree ("created");--> statement-breakpoint
CREATE INDEX "events_action_created_idx" ON "events" USING btree ("action","created");--> statement-breakpoint
CREATE INDEX "events_username_idx" ON "events" USING btree (("user" ->> 'username'));--> statement-breakpoint
CREATE INDEX "events_expires_idx" ON "events" USING btree ("expires");--> statement-breakpoint
CREATE UNIQUE INDEX "flow_stage_bindings_target_stage_order_key" ON "flow_stage_bindings" USING btree ("target","stage","order");--> statement-breakpoint
CREATE INDEX "flow_stage_bindings_stage_idx" ON "flow_stage_bindings" USING btree ("stage");--> statement-breakpoint
CREATE UNIQUE INDEX "flows_slug_key" ON "flows" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "groups_name_key" ON "groups" USING btree ("name");--> statement-breakpoint
CREATE INDEX "invitation_uses_invitation_idx" ON "invitation_uses" USING btree ("invitation_uuid","used");--> statement-breakpoint
CREATE INDEX "invitations_expires_idx" ON "invitations" USING btree ("expires");--> statement-breakpoint
CREATE INDEX "invitations_expiring_expires_idx" ON "invitations" USING btree ("expiring","expires");--> statement-breakpoint
CREATE INDEX "invitations_name_idx" ON "invitations" USING btree ("name");--> statement-breakpoint
CREATE INDEX "invitations_flow_idx" ON "invitations" USING btree ("flow");--> statement-breakpoint
CREATE INDEX "invitations_created_by_idx" ON "invitations" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "invitations_name_upper_trgm_idx" ON "invitations" USING gin (upper("name") gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "permission_grants_role_key" ON "permission_grants" USING btree ("role_uuid","permission_id",coalesce("object_pk", '')) WHERE "permission_grants"."role_uuid" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "permission_grants_user_key" ON "permission_grants" USING btree ("user_id","permission_id",coalesce("object_pk", '')) WHERE "permission_grants"."user_id" is not null;--> statement-breakpoint
CREATE INDEX "permission_grants_object_idx" ON "permission_grants" USING btree ("permission_id","object_pk");--> statement-breakpoint
CREATE UNIQUE INDEX "permissions_app_codename_key" ON "permissions" USING btree ("app_label","codename");--> statement-breakpoint
CREATE INDEX "prompt_stage_fields_prompt_idx" ON "prompt_stage_fields" USING btree ("prompt_uuid");--> statement-breakpoint
CREATE UNIQUE INDEX "prompts_name_key" ON "prompts" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "roles_name_key" ON "roles" USING btree ("name");--> statement-breakpoint
CREATE INDEX "sessions_expires_idx" ON "sessions" USING btree ("expires");--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "stages_name_key" ON "stages" USING btree ("name");--> statement-breakpoint
CREATE INDEX "stages_type_name_idx" ON "stages" USING btree ("type","name");--> statement-breakpoint
CREATE INDEX "stages_name_upper_trgm_idx" ON "stages" USING gin (upper("name") gin_trgm_ops);--> statement-breakpoint
CREATE UNIQUE INDEX "tokens_identifier_key" ON "tokens" USING btree ("identifier");--> statement-breakpoint
CREATE UNIQUE INDEX "tokens_managed_key" ON "tokens" USING btree ("managed");--> statement-breakpoint
CREATE INDEX "tokens_key_idx" ON "tokens" USING btree ("key");--> statement-breakpoint
CREATE INDEX "tokens_user_idx" ON "tokens" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "user_groups_group_idx" ON "user_groups" USING btree ("group_uuid");--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_key" ON "users" USING btree ("username");