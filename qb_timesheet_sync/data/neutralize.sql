-- A duplicated (staging) database must never spend production's refresh
-- token: forget every QuickBooks token and mark the connections as needing
-- a new connection.
UPDATE qbo_connection
   SET access_token = NULL,
       access_token_expires_at = NULL,
       refresh_token = NULL,
       refresh_token_expires_at = NULL,
       refresh_token_hard_expiry = NULL,
       state = CASE WHEN state = 'disconnected' THEN 'disconnected' ELSE 'needs_reconnect' END,
       last_error = 'This database was neutralized (a copy): reconnect QuickBooks to use it.';
