CREATE TABLE "rate_limits" (
	"scope" text NOT NULL,
	"address" text NOT NULL,
	"window_start" timestamp(6) with time zone NOT NULL,
	"count" integer NOT NULL,
	"expires" timestamp(6) with time zone NOT NULL,
	CONSTRAINT "rate_limits_scope_address_pk" PRIMARY KEY("scope","address")
);
--> statement-breakpoint
CREATE INDEX "rate_limits_expires_idx" ON "rate_limits" USING btree ("expires");