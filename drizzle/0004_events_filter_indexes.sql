CREATE INDEX "events_context_model_pk_idx" ON "events" USING btree (("context" -> 'model' ->> 'pk'));--> statement-breakpoint
CREATE INDEX "events_context_username_idx" ON "events" USING btree (("context" ->> 'username'));--> statement-breakpoint
CREATE INDEX "events_client_ip_idx" ON "events" USING btree ("client_ip");