-- The old outbox_status said only whether the relay had queued a row; the email's state now
-- lives in "state". Rows already accepted by SMTP are SENT; the rest stay PENDING (queued_at
-- still tells the relay which ones it handed to the queue).
UPDATE "email_outbox" SET "state" = 'SENT' WHERE "sent_at" IS NOT NULL;
