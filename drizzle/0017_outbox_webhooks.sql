CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"kind" text NOT NULL,
	"target" uuid,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"last_error" text,
	"response_code" integer,
	"result" jsonb,
	"delivered_at" timestamp(6) with time zone,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"updated" timestamp(6) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"endpoint_uuid" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"events" text[] NOT NULL,
	"secret" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created" timestamp(6) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_endpoints_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "invitations" ADD COLUMN "expiry_recorded_at" timestamp(6) with time zone;--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("next_attempt_at") WHERE "outbox"."status" IN ('queued', 'retrying');--> statement-breakpoint
CREATE INDEX "outbox_target_idx" ON "outbox" USING btree ("kind","target","seq");--> statement-breakpoint
-- Hand-written below: the one place where audit events become webhook events, and the
-- notification that wakes the delivery workers.
--
-- webhook_event_type(): the webhook event type of an audit event, or NULL. Tessera derives
-- webhooks from the events it already writes (in the transaction of the change they record),
-- so a webhook exists exactly when its change committed:
--   invitation.created  model_created of an authentik_stages_invitation.invitation
--   invitation.sent     email_sent carrying an `invitation` (written when the worker delivered it)
--   invitation.used     invitation_used
--   invitation.expired  custom_invitation_expired (the expired-invitation clean-up)
--   invitation.revoked  model_updated of an invitation with context.action = 'revoke' (the revoke action)
--   user.enrolled       user_write with context.created = true (a flow's user_write stage)
CREATE OR REPLACE FUNCTION webhook_event_type(action text, context jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN action = 'model_created'
      AND context -> 'model' ->> 'app' = 'authentik_stages_invitation'
      AND context -> 'model' ->> 'model_name' = 'invitation' THEN 'invitation.created'
    WHEN action = 'email_sent' AND jsonb_typeof(context -> 'invitation') = 'object' THEN 'invitation.sent'
    WHEN action = 'invitation_used' THEN 'invitation.used'
    WHEN action = 'custom_invitation_expired' THEN 'invitation.expired'
    WHEN action = 'model_updated' AND context ->> 'action' = 'revoke'
      AND context -> 'model' ->> 'app' = 'authentik_stages_invitation'
      AND context -> 'model' ->> 'model_name' = 'invitation' THEN 'invitation.revoked'
    WHEN action = 'user_write' AND context -> 'created' = 'true'::jsonb THEN 'user.enrolled'
  END
$$;
--> statement-breakpoint
-- The body of a webhook (Standard Webhooks' `{type, timestamp, data}`) for an audit event of
-- that type. The invitation is named by the masked token the event holds (its pk is its secret).
CREATE OR REPLACE FUNCTION webhook_payload(type text, event_uuid uuid, created timestamptz, "user" jsonb, context jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'type', type,
    'timestamp', to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'data', jsonb_build_object('event_id', replace(event_uuid::text, '-', ''))
      || CASE
        WHEN type = 'user.enrolled' THEN jsonb_build_object('user', "user")
        ELSE jsonb_build_object(
          'invitation', coalesce(
            context -> 'invitation',
            (context -> 'model') - 'app' - 'model_name',
            jsonb_build_object('pk', context -> 'invitation_uuid')),
          'actor', "user")
      END
      || CASE WHEN type = 'invitation.sent' THEN jsonb_build_object('to', context -> 'to_email') ELSE '{}'::jsonb END
  )
$$;
--> statement-breakpoint
-- One outbox row per inserted event and enabled endpoint subscribed to its type, in the
-- inserting statement's transaction.
CREATE OR REPLACE FUNCTION outbox_webhook_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox (kind, target, payload)
  SELECT 'webhook', w.endpoint_uuid, webhook_payload(m.type, m.event_uuid, m.created, m."user", m.context)
  FROM (
    SELECT webhook_event_type(n.action, n.context) AS type, n.event_uuid, n.created, n."user", n.context
    FROM new_events n
  ) m
  JOIN webhook_endpoints w ON w.enabled AND m.type = ANY (w.events)
  WHERE m.type IS NOT NULL;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER events_webhooks AFTER INSERT ON events
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION outbox_webhook_events();
--> statement-breakpoint
-- A new message wakes every instance's worker at commit (src/db/change-feed.ts, topic `outbox`);
-- an insert of no rows (an event no endpoint subscribes to) sends nothing.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM new_rows) THEN
    PERFORM pg_notify('tessera_changes', 'outbox');
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
