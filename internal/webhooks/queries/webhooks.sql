-- name: ListEndpoints
SELECT id, name, url, secret, event_types, active, created_at, updated_at FROM webhook_endpoints ORDER BY id;

-- name: ActiveEndpoints
SELECT id, name, url, secret, event_types, active, created_at, updated_at FROM webhook_endpoints WHERE active ORDER BY id;

-- name: GetEndpoint
SELECT id, name, url, secret, event_types, active, created_at, updated_at FROM webhook_endpoints WHERE id = $1;

-- name: InsertEndpoint
INSERT INTO webhook_endpoints (name, url, secret, event_types, active, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id;

-- name: UpdateEndpoint
UPDATE webhook_endpoints SET name = $2, url = $3, event_types = $4, active = $5, updated_at = $6 WHERE id = $1;

-- name: SetEndpointSecret
UPDATE webhook_endpoints SET secret = $2, updated_at = $3 WHERE id = $1;

-- name: DeleteEndpoint
DELETE FROM webhook_endpoints WHERE id = $1;

-- name: InsertDelivery
INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, payload, status, created_at, updated_at)
VALUES ($1, $2, $3, $4, 'pending', $5, $5)
ON CONFLICT (endpoint_id, event_id) DO NOTHING
RETURNING id;

-- name: GetDelivery
SELECT id, endpoint_id, event_id, event_type, payload, status, attempts, response_status, duration_ms, response_excerpt,
    last_error, next_attempt_at, delivered_at, created_at, updated_at
FROM webhook_deliveries WHERE id = $1;

-- name: EndpointDeliveries
SELECT id, endpoint_id, event_id, event_type, payload, status, attempts, response_status, duration_ms, response_excerpt,
    last_error, next_attempt_at, delivered_at, created_at, updated_at
FROM webhook_deliveries WHERE endpoint_id = $1 AND (CAST($2 AS BIGINT) = 0 OR id < CAST($2 AS BIGINT))
ORDER BY id DESC
LIMIT $3;

-- name: RecordAttempt
UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, response_status = $3, duration_ms = $4,
    response_excerpt = $5, last_error = $6, next_attempt_at = $7, delivered_at = $8, updated_at = $9
WHERE id = $1 AND status = 'pending';
