//! The fault catalog: `Variant = "name", "RULE-ID", "what it does";`, grouped by the contract's
//! areas. A fault breaks one rule the way a real implementation would get it subtly wrong, and
//! never one of the contract's allowed choices (additive properties, 409 or wait-and-replay for
//! an in-flight idempotency key, ...).

faults! {
    // ---- §1 transport -------------------------------------------------------------------
    ApiVersionMissing = "api-version-missing", "TRN-API-VERSION",
        "X-API-Version is missing on /api/v1 responses";
    ApiVersionMissingOnErrors = "api-version-missing-on-errors", "TRN-API-VERSION",
        "X-API-Version is set by the handlers of successful answers only: error answers lack it";
    RequestIdNotEchoed = "request-id-not-echoed", "TRN-REQUEST-ID-ECHO",
        "X-Request-ID is not echoed on /api/v1 responses";
    RequestIdEchoLowercased = "request-id-echo-lowercased", "TRN-REQUEST-ID-ECHO",
        "X-Request-ID is echoed normalised to lower case instead of as sent";
    RequestIdOptional = "request-id-optional", "TRN-REQUEST-ID-REQUIRED",
        "a request without X-Request-ID is served (a UUID is generated) instead of 400";
    RequestIdAnyString = "request-id-any-string", "TRN-REQUEST-ID-REQUIRED",
        "any non-empty X-Request-ID is accepted, UUID or not";
    RequestIdInvalidReplaced = "request-id-invalid-replaced", "TRN-REQUEST-ID-REQUIRED",
        "the 400 for a non-UUID X-Request-ID echoes a generated UUID instead of the value sent";
    ContentTypeIgnored = "content-type-ignored", "TRN-CONTENT-TYPE",
        "POST /api/v1/orders parses any Content-Type as JSON";
    ContentTypeIgnoredWebhooks = "content-type-ignored-webhooks", "TRN-CONTENT-TYPE",
        "POST /api/v1/webhooks parses any Content-Type as JSON (orders still check it)";
    UnknownPathPlainBody = "unknown-path-plain-body", "TRN-UNKNOWN-PATH-404",
        "an unknown /api/v1 path answers 404 with an empty body instead of the standard error";
    MethodPlainBody = "method-405-plain-body", "TRN-METHOD-405-ALLOW",
        "405 answers keep the framework's empty body instead of the standard error body";
    MethodAsNotFound = "method-as-not-found", "TRN-METHOD-405-ALLOW",
        "a known path with another method answers 404 NOT_FOUND instead of 405";
    BodyBeforeAuth = "body-before-auth", "TRN-AUTH-FIRST",
        "POST /api/v1/orders checks Content-Type and reads the body before the token: 400 instead of 401";
    SchemaCreatedAt = "schema-created-at", "TRN-TIME-MONEY-FORMAT",
        "created_at is not RFC 3339 (e.g. `2024/01/15 10:30`)";
    TimesLocalOffset = "times-local-offset", "TRN-TIME-MONEY-FORMAT",
        "order times are written in the server's local offset (+02:00) instead of UTC";

    // ---- §2 authentication --------------------------------------------------------------
    TokenExpiresInString = "token-expires-in-string", "AUTH-TOKEN-ISSUE",
        "the token response writes expires_in as a string (\"3600\")";
    TokenScopeMissing = "token-scope-missing", "AUTH-TOKEN-ISSUE",
        "the token response has no `scope`";
    BasicAuthUnsupported = "basic-auth-unsupported", "AUTH-TOKEN-BASIC",
        "client credentials sent as HTTP Basic are refused (401 invalid_client)";
    ScopeDefaultRead = "scope-default-read", "AUTH-TOKEN-SCOPE-DEFAULT",
        "a token asked without `scope` gets `read` only instead of all the client's scopes";
    ScopeNarrowRejects = "scope-narrow-rejects", "AUTH-TOKEN-SCOPE-NARROW",
        "a scope the client may not have, asked together with allowed ones, is 400 invalid_scope";
    ScopeNarrowGrantsAll = "scope-narrow-grants-all", "AUTH-TOKEN-SCOPE-NARROW",
        "a scope the client may not have, asked together with allowed ones, is granted";
    InvalidClient400 = "invalid-client-400", "AUTH-TOKEN-INVALID-CLIENT",
        "a bad client is answered 400 invalid_client instead of 401";
    GrantBeforeClient = "grant-before-client", "AUTH-TOKEN-INVALID-CLIENT",
        "the grant is checked before the client: a bad client without grant_type gets invalid_request";
    MissingGrantUnsupported = "missing-grant-unsupported", "AUTH-TOKEN-INVALID-REQUEST",
        "a request without grant_type is 400 unsupported_grant_type instead of invalid_request";
    UnsupportedGrantInvalidGrant = "unsupported-grant-invalid-grant", "AUTH-TOKEN-UNSUPPORTED-GRANT",
        "another grant type is 400 invalid_grant instead of unsupported_grant_type";
    InvalidScopeIgnored = "invalid-scope-ignored", "AUTH-TOKEN-INVALID-SCOPE",
        "asking only scopes the client may not have gets a token with the client's scopes";
    BearerLowercaseOnly = "bearer-lowercase-only", "AUTH-BEARER-USE",
        "only `Authorization: bearer <token>` (lower case) is accepted; `Bearer` is 401";
    MissingToken403 = "missing-token-403", "AUTH-BEARER-MISSING",
        "a request without a token is 403 FORBIDDEN instead of 401 UNAUTHORIZED";
    UnknownToken403 = "unknown-token-403", "AUTH-BEARER-INVALID",
        "an unknown or malformed token is 403 FORBIDDEN instead of 401 UNAUTHORIZED";
    TokenExpiryIgnored = "token-expiry-ignored", "AUTH-BEARER-EXPIRED",
        "expired bearer tokens are still accepted";
    TokenExpiryDoubled = "token-expiry-doubled", "AUTH-BEARER-EXPIRED",
        "tokens are accepted for twice their expires_in (the store adds the lifetime twice)";
    ReadScopeNotEnforced = "read-scope-not-enforced", "AUTH-SCOPE-READ",
        "read operations accept a token without scope `read`";
    ScopesNotEnforced = "scopes-not-enforced", "AUTH-SCOPE-WRITE",
        "scopes are not checked: a read-only token can write";
    CancelScopeNotEnforced = "cancel-scope-not-enforced", "AUTH-SCOPE-WRITE",
        "POST /api/v1/orders/{id}/cancel accepts a read-only token (the other writes check)";
    SandboxScopeNotEnforced = "sandbox-scope-not-enforced", "AUTH-SCOPE-WRITE",
        "/sandbox/v1 controls accept a read-only token";

    // ---- §3 errors ----------------------------------------------------------------------
    ErrorTimestampUnix = "error-timestamp-unix", "ERR-BODY-SHAPE",
        "error bodies carry `timestamp` as Unix seconds (a number) instead of RFC 3339";
    ErrorDetailsObject = "error-details-object", "ERR-BODY-SHAPE",
        "`details` is an object {field: error} instead of a list of {field, error}";
    ErrorCodeOrderNotFound = "error-code-order-not-found", "ERR-BODY-SHAPE",
        "an unknown order is 404 with error_code ORDER_NOT_FOUND instead of NOT_FOUND";
    ErrorMissingRequestId = "error-missing-request-id", "ERR-REQUEST-ID",
        "error bodies lack `request_id`";
    ErrorRequestIdGenerated = "error-request-id-generated", "ERR-REQUEST-ID",
        "error bodies carry a freshly generated request_id instead of the request's X-Request-ID";
    PayloadLimitMb = "payload-limit-mb", "ERR-413-PAYLOAD-TOO-LARGE",
        "the body limit is 1,000,000 bytes (MB) instead of 1 MiB: a 1 MiB body is 413";
    PayloadLimit2Mib = "payload-limit-2mib", "ERR-413-PAYLOAD-TOO-LARGE",
        "the body limit is 2 MiB: a body just over 1 MiB is processed";

    // ---- §4 orders ----------------------------------------------------------------------
    CreateReturns200 = "create-returns-200", "ORD-CREATE-201",
        "a newly created order answers 200 instead of 201";
    LocationMissing = "location-missing", "ORD-LOCATION",
        "201 from POST /api/v1/orders has no Location header";
    LocationMissingOnReplay = "location-missing-on-replay", "ORD-LOCATION",
        "an idempotent replay (200) has no Location header";
    SchemaOrderId = "schema-order-id", "ORD-OBJECT",
        "order_id does not match ORD-<8 digits> (e.g. ORD-123)";
    OrderUpdatedAtMissing = "order-updated-at-missing", "ORD-OBJECT",
        "GET /api/v1/orders/{id} leaves out updated_at (the create answer has it)";
    PropertyRenamed = "property-renamed", "ORD-OBJECT",
        "the order object carries `estimated_delivery_date` instead of `estimated_delivery` (the parity tests' renamed property)";
    StatusConfirmed = "status-confirmed", "ORD-STATUS-PENDING",
        "a new order's status is `confirmed` instead of `pending`";
    TotalTruncated = "total-truncated", "ORD-TOTAL",
        "total_amount is truncated to 2 decimals in floating point instead of rounded";
    TotalIgnoresQuantity = "total-ignores-quantity", "ORD-TOTAL",
        "total_amount sums the unit prices without multiplying by quantity";
    CatalogPriceZero = "catalog-price-zero", "ORD-CATALOG-PRICE",
        "an item without unit_price is priced 0 instead of the catalog price";
    ItemsMerged = "items-merged", "ORD-ITEMS-ECHO",
        "items of the same product are merged into one item in the order";
    ItemsSorted = "items-sorted", "ORD-ITEMS-ECHO",
        "items are returned sorted by product_id instead of as sent";
    AddressRequired = "address-required", "ORD-ADDRESS-OPTIONAL",
        "an order without shipping_address is 400 (field shipping_address)";
    CancelKeepsUpdatedAt = "cancel-keeps-updated-at", "ORD-UPDATED-AT",
        "a cancel changes the status but leaves updated_at at the creation time (advance renews it)";
    EstimatedDelivery4Days = "estimated-delivery-4-days", "ORD-ESTIMATED-DELIVERY",
        "estimated_delivery is 4 days after created_at (off by one)";
    TrackingUrlRelative = "tracking-url-relative", "ORD-TRACKING-URL",
        "tracking_url is a relative path (`/orders/{id}/track`)";
    GetStaleOrder = "get-stale-order", "ORD-GET-200",
        "GET /api/v1/orders/{id} returns the order as created (a stale cache), not its current state";
    NotFoundAsEmpty = "not-found-as-empty", "ORD-GET-404",
        "GET of an unknown order answers 200 with an empty object instead of 404";
    CrossClientRead = "cross-client-read", "ORD-GET-OTHER-CLIENT-404",
        "GET of another client's order answers 200 instead of 404";
    CrossClient403 = "cross-client-403", "ORD-GET-OTHER-CLIENT-404",
        "GET of another client's order answers 403 FORBIDDEN instead of 404";

    // ---- §4 validation ------------------------------------------------------------------
    CustomerIdMax49 = "customer-id-max-49", "VAL-CUSTOMER-ID",
        "a customer_id of 50 characters is refused (off by one)";
    CustomerIdUnderscore = "customer-id-underscore", "VAL-CUSTOMER-ID",
        "customer_id accepts `_` and `.` besides letters, digits and `-`";
    ItemsMax99 = "items-max-99", "VAL-ITEMS",
        "an order of 100 items is refused (off by one)";
    ItemsLimitNotEnforced = "items-limit-not-enforced", "VAL-ITEMS",
        "an order of 101 items is accepted";
    ProductIdNumber = "product-id-number", "VAL-PRODUCT-ID",
        "a numeric product_id is accepted as its decimal string";
    UnknownProduct409 = "unknown-product-409", "VAL-UNKNOWN-PRODUCT",
        "an unknown product is 409 INSUFFICIENT_INVENTORY (treated as out of stock) instead of 400";
    Quantity1000 = "quantity-1000-accepted", "VAL-QUANTITY",
        "quantity 1000 is accepted (off by one)";
    QuantityMax998 = "quantity-max-998", "VAL-QUANTITY",
        "quantity 999 is refused (off by one)";
    UnitPriceThreeDecimals = "unit-price-three-decimals", "VAL-UNIT-PRICE",
        "a unit_price with 3 decimals is accepted (and rounded)";
    UnitPriceNegative = "unit-price-negative", "VAL-UNIT-PRICE",
        "a negative unit_price is accepted";
    PostalPlus4Refused = "postal-plus4-refused", "VAL-ADDRESS",
        "a ZIP+4 postal_code (12345-6789) is refused";
    CountryLowercase = "country-lowercase", "VAL-ADDRESS",
        "a lower-case country code (`us`) is accepted";
    CountryUnassigned = "country-unassigned", "VAL-ADDRESS",
        "any two upper-case letters are accepted as a country (`XX`)";
    NullAsAbsent = "null-as-absent", "VAL-NULL",
        "`null` for an optional field (unit_price, shipping_address) counts as absent";
    ValidationFieldPaths = "validation-field-paths", "VAL-FIELD-PATHS",
        "error details use bare field names (`quantity`) instead of paths (`items[0].quantity`)";
    FieldPathsOneBased = "field-paths-one-based", "VAL-FIELD-PATHS",
        "item paths count from 1 (`items[1].quantity` for the first item)";
    ValidationFirstErrorOnly = "validation-first-error-only", "VAL-ALL-LISTED",
        "only the first failure of a body is listed in details";
    MalformedJsonNoDetails = "malformed-json-no-details", "VAL-MALFORMED-JSON",
        "malformed JSON is 400 VALIDATION_ERROR without details (no field `body`)";
    InactiveCustomerAccepted = "inactive-customer-accepted", "CUST-INVALID",
        "an inactive customer may order";
    UnknownCustomer404 = "unknown-customer-404", "CUST-INVALID",
        "an unknown customer is 404 NOT_FOUND instead of 400 INVALID_CUSTOMER";

    // ---- §4 inventory, payment ----------------------------------------------------------
    ReserveFirstItemOnly = "reserve-first-item-only", "INV-RESERVE",
        "only the first item of an order is reserved";
    ReserveLowersStock = "reserve-lowers-stock", "INV-RESERVE",
        "a new order lowers `stock` instead of raising `reserved`";
    InventoryOffByOne = "inventory-off-by-one", "INV-INSUFFICIENT",
        "ordering exactly the available quantity is 409 (`>=` instead of `>`)";
    InsufficientKeepsReservation = "insufficient-keeps-reservation", "INV-INSUFFICIENT",
        "items before the short one stay reserved after a 409 INSUFFICIENT_INVENTORY";
    InsufficientListsAll = "insufficient-lists-all", "INV-INSUFFICIENT",
        "INSUFFICIENT_INVENTORY details name every item, not only the short ones";
    InventoryNotSummed = "inventory-not-summed", "INV-INSUFFICIENT",
        "two items of one product are checked one by one, not together: the pair may oversell";
    InventoryNotReleased = "inventory-not-released", "PAY-DECLINED",
        "a declined payment (402) leaves the inventory reservation held";
    DeclinedOrderStored = "declined-order-stored", "PAY-DECLINED",
        "a declined payment (402) still stores the order (status cancelled): it shows in lists";

    // ---- §4 idempotency -----------------------------------------------------------------
    IdempotencyIgnored = "idempotency-ignored", "IDEM-REPLAY",
        "a replay with the same X-Idempotency-Key and body creates a second order (201)";
    IdempotencyReplay201 = "idempotency-replay-201", "IDEM-REPLAY",
        "a replay answers 201 instead of 200";
    IdempotencyReplayWebhook = "idempotency-replay-webhook", "IDEM-REPLAY",
        "a replay sends a second order.created webhook";
    IdempotencyReplayReserves = "idempotency-replay-reserves", "IDEM-REPLAY",
        "a replay reserves the items again";
    IdempotencyReplaySnapshot = "idempotency-replay-snapshot", "IDEM-REPLAY-CURRENT",
        "a replay returns the order as it was created, not its current state";
    IdempotencyByteCompare = "idempotency-byte-compare", "IDEM-JSON-COMPARE",
        "bodies are compared byte for byte: the same JSON with other spacing or key order is 409";
    IdempotencyConflictIgnored = "idempotency-conflict-ignored", "IDEM-CONFLICT",
        "same X-Idempotency-Key with a different body answers 200 with the original order instead of 409 DUPLICATE_ORDER";
    DuplicateNoExistingId = "duplicate-no-existing-id", "IDEM-CONFLICT",
        "409 DUPLICATE_ORDER has no existing_order_id";
    IdempotencyRace = "idempotency-race", "IDEM-CONCURRENT",
        "the key is looked up, then stored after the order is placed, without a lock: concurrent requests both create";
    IdempotencyStoresFailures = "idempotency-stores-failures", "IDEM-FAILED-NOT-STORED",
        "a failed attempt (402, 409 inventory) stores its key: a retry with it is 409 DUPLICATE_ORDER";
    IdempotencyKeyMax254 = "idempotency-key-max-254", "IDEM-KEY-SCOPE",
        "a key of 255 characters is refused (off by one)";

    // ---- §4 lists, cancel, search -------------------------------------------------------
    ListCursorOmitted = "list-cursor-omitted", "LIST-SHAPE",
        "the last page leaves out next_cursor instead of `next_cursor: null`";
    ListOldestFirst = "list-oldest-first", "LIST-NEWEST-FIRST",
        "lists are oldest first";
    ListDefaultLimit10 = "list-default-limit-10", "LIST-LIMIT",
        "the default page size is 10 instead of 20";
    ListLimitMax99 = "list-limit-max-99", "LIST-LIMIT",
        "limit=100 is refused (off by one)";
    CursorRepeatsLast = "cursor-repeats-last", "LIST-CURSOR",
        "the next page starts with the last order of the previous page (`<=` instead of `<`)";
    CursorDropsFilter = "cursor-drops-filter", "LIST-CURSOR",
        "pages after the first forget the status and customer_id filters";
    CustomerFilterPrefix = "customer-filter-prefix", "LIST-FILTER-CUSTOMER",
        "customer_id filters by prefix: CUST-1 also lists CUST-12's orders";
    StatusFilterIgnored = "status-filter-ignored", "LIST-FILTER-STATUS",
        "the status filter is ignored";
    LimitZeroDefault = "limit-zero-default", "LIST-BAD-PARAM",
        "limit=0 (and other non-positive limits) fall back to the default instead of 400";
    BadStatusEmpty = "bad-status-empty", "LIST-BAD-PARAM",
        "an unknown status answers an empty list instead of 400 with field query.status";
    ListAllClients = "list-all-clients", "LIST-OWN-ONLY",
        "lists hold every client's orders";
    CancelReturnsOldStatus = "cancel-returns-old-status", "CANCEL-PENDING",
        "cancel answers 200 with the order as it was before (status pending)";
    CancelNotReleased = "cancel-not-released", "CANCEL-PENDING",
        "a cancel does not release the order's reservation";
    CancelUnknownConflict = "cancel-unknown-409", "CANCEL-NOT-FOUND",
        "cancel of an unknown order answers 409 CONFLICT (not pending) instead of 404";
    CancelAnyStatus = "cancel-any-status", "CANCEL-CONFLICT",
        "cancel of a non-pending order answers 200 instead of 409 CONFLICT";
    CancelTwiceOk = "cancel-twice-ok", "CANCEL-CONFLICT",
        "cancel of a cancelled order answers 200 (treated as idempotent) instead of 409";
    SearchNoProductId = "search-no-product-id", "SEARCH-MATCH",
        "search matches order_id and customer_id but not product_id";
    SearchPrefixOnly = "search-prefix-only", "SEARCH-MATCH",
        "search matches prefixes only, not substrings";
    SearchCaseInsensitive = "search-case-insensitive", "SEARCH-CASE",
        "search ignores case";
    SearchLimitIgnored = "search-limit-ignored", "SEARCH-PAGING",
        "search ignores limit and answers every match on one page";
    SearchAllClients = "search-all-clients", "SEARCH-OWN-ONLY",
        "search finds every client's orders";
    SearchEmptyQAll = "search-empty-q-all", "SEARCH-Q-REQUIRED",
        "an empty or missing q lists every order instead of 400 with field query.q";

    // ---- §5 rate limits -----------------------------------------------------------------
    RatelimitHeadersMissing = "ratelimit-headers-missing", "RL-HEADERS",
        "no X-RateLimit-Limit/Remaining/Reset headers on /api/v1 responses";
    RatelimitHeadersOnSuccessOnly = "ratelimit-headers-success-only", "RL-HEADERS",
        "X-RateLimit-* headers only on 2xx answers, not on errors";
    RatelimitLimitShowsCapacity = "ratelimit-limit-shows-capacity", "RL-LIMIT-PER-RULE",
        "X-RateLimit-Limit shows the bucket capacity (1.5 x) of reads instead of the per-minute limit";
    RatelimitSingleRule = "ratelimit-single-rule", "RL-LIMIT-PER-RULE",
        "search is limited (and reported) under the reads rule, 300/min, instead of 60/min";
    RatelimitResetRelative = "ratelimit-reset-relative", "RL-RESET",
        "X-RateLimit-Reset is the seconds until full (relative) instead of a Unix time";
    RatelimitResetMs = "ratelimit-reset-ms", "RL-RESET",
        "X-RateLimit-Reset is a Unix time in milliseconds";
    RatelimitRemainingBeforeTake = "ratelimit-remaining-before-take", "RL-RESET",
        "X-RateLimit-Remaining is read before the request is counted: one more than is left";
    RatelimitNoBurst = "ratelimit-no-burst", "RL-BURST",
        "bucket capacity equals the per-minute limit (no 150% burst)";
    RatelimitBurstDouble = "ratelimit-burst-double", "RL-BURST",
        "bucket capacity is twice the per-minute limit";
    Ratelimit429Body = "ratelimit-429-body", "RL-429",
        "429 answers carry no Retry-After header and no `retry_after` in the body";
    RetryAfterMs = "retry-after-ms", "RL-429",
        "Retry-After and retry_after are in milliseconds";
    RetryAfterFloor = "retry-after-floor", "RL-429",
        "Retry-After is the seconds until one request is allowed rounded down (integer division): 0 while less than a second is left";
    Ratelimit429Code = "ratelimit-429-code", "RL-429",
        "429 answers carry error_code TOO_MANY_REQUESTS instead of RATE_LIMIT_EXCEEDED";
    RatelimitSharedAcrossClients = "ratelimit-shared-across-clients", "RL-PER-CLIENT",
        "buckets are kept per rule only: one client's requests use up every client's limit";
    RatelimitPerToken = "ratelimit-per-token", "RL-PER-CLIENT",
        "buckets are kept per token instead of per client: a fresh token gets a full bucket";
    RatelimitSlowRefill = "ratelimit-slow-refill", "RL-RECOVERY",
        "the bucket refills its per-minute limit once a day (a unit slip) while Retry-After promises the per-minute rate";
    RatelimitDailyAsRate = "ratelimit-daily-as-rate", "RL-DAILY",
        "the 10,000/day quota is one more token bucket like the per-minute rules: 10,000/1440 a minute with a 150% burst, so a client is refused after a few dozen quick requests (x the rate scale)";

    // ---- §6 webhooks --------------------------------------------------------------------
    WebhookSecretNotGenerated = "webhook-secret-not-generated", "WH-SUBSCRIBE",
        "a subscription without a secret gets `secret: null` instead of a generated one";
    WebhookSubscribe200 = "webhook-subscribe-200", "WH-SUBSCRIBE",
        "POST /api/v1/webhooks answers 200 instead of 201";
    WebhookGetUrlMissing = "webhook-get-url-missing", "WH-GET",
        "GET /api/v1/webhooks/{id} leaves out `url`";
    WebhookDelete200 = "webhook-delete-200", "WH-DELETE",
        "DELETE /api/v1/webhooks/{id} answers 200 with the subscription instead of 204";
    WebhookDeleteSoft = "webhook-delete-soft", "WH-DELETE",
        "a deleted subscription is still answered by GET (soft delete)";
    WebhookDeleteKeepsRetries = "webhook-delete-keeps-retries", "WH-DELETE-STOPS-RETRIES",
        "DELETE stops new deliveries, but retries already scheduled for the subscription still go out";
    WebhookOtherClientReadable = "webhook-other-client-readable", "WH-OWNER",
        "another client's subscription is answered like one's own";
    WebhookOtherClient403 = "webhook-other-client-403", "WH-OWNER",
        "another client's subscription is 403 FORBIDDEN instead of 404";
    WebhookEventsAllClients = "webhook-events-all-clients", "WH-OWN-EVENTS",
        "a subscription receives the events of every client's orders, not only its own client's";
    WebhookEventsUnfiltered = "webhook-events-unfiltered", "WH-EVENT-FILTER",
        "a subscription receives every event type, not only those in its `events`";
    WebhookMissing = "webhook-missing", "WH-EVENT-CREATED",
        "no order.created webhook is sent";
    WebhookCreatedNoItems = "webhook-created-no-items", "WH-EVENT-CREATED",
        "order.created data has no `items`";
    WebhookDeliveredMissing = "webhook-delivered-missing", "WH-EVENT-UPDATED",
        "advancing shipped -> delivered emits no order.updated (pending -> shipped does)";
    WebhookPreviousEqualsCurrent = "webhook-previous-equals-current", "WH-EVENT-UPDATED",
        "order.updated's previous_status is read after the change: it equals current_status";
    CancelEventsReversed = "cancel-events-reversed", "WH-EVENT-CANCELLED",
        "a cancel emits order.updated before order.cancelled";
    CancelUpdatedMissing = "cancel-updated-missing", "WH-EVENT-CANCELLED",
        "a cancel emits order.cancelled only, no order.updated";
    WebhookObjectIdMissing = "webhook-object-id-missing", "WH-PAYLOAD",
        "event data has no object_id";
    WebhookPayloadTimestampUnix = "webhook-payload-timestamp-unix", "WH-PAYLOAD",
        "the payload's timestamp is Unix seconds instead of RFC 3339";
    WebhookBadSignature = "webhook-bad-signature", "WH-SIGNATURE",
        "webhook signatures are computed with a wrong key";
    WebhookSignatureNoPrefix = "webhook-signature-no-prefix", "WH-SIGNATURE",
        "X-Webhook-Signature is the bare hex, without `sha256=`";
    WebhookSignatureReserialized = "webhook-signature-reserialized", "WH-SIGNATURE",
        "the signature covers a re-serialised payload, not the raw body sent (which is pretty-printed)";
    WebhookContentTypeText = "webhook-content-type-text", "WH-CONTENT-TYPE",
        "deliveries go out as `Content-Type: text/plain; charset=utf-8` (the HTTP client's default for a string body)";
    WebhookStaleTimestamp = "webhook-stale-timestamp", "WH-TIMESTAMP",
        "X-Webhook-Timestamp is one hour in the past";
    WebhookTimestampMs = "webhook-timestamp-ms", "WH-TIMESTAMP",
        "X-Webhook-Timestamp is in milliseconds";
    WebhookEventIdHeaderFresh = "webhook-event-id-header-fresh", "WH-EVENT-ID-HEADER",
        "X-Webhook-Event-ID is a fresh id per attempt instead of the payload's event_id";
    WebhookNoRetry = "webhook-no-retry", "WH-RETRY",
        "failed webhook deliveries are not retried";
    WebhookRetryNewEventId = "webhook-retry-new-event-id", "WH-RETRY",
        "a retry is sent as a new event (new event_id)";
    WebhookRetry5xxOnly = "webhook-retry-5xx-only", "WH-RETRY",
        "only 5xx answers and timeouts are retried; a 4xx counts as delivered";
    WebhookRetrySeconds = "webhook-retry-seconds", "WH-RETRY-SCHEDULE",
        "the retry gaps are read as seconds of the schedule's minutes (1 s, 5 s, ... before scaling)";
    WebhookRetryFixedGap = "webhook-retry-fixed-gap", "WH-RETRY-SCHEDULE",
        "every retry waits the first gap (1 min) instead of 1 min, 5 min, 30 min, 2 h";
    WebhookTimeoutIgnored = "webhook-timeout-ignored", "WH-TIMEOUT-RETRY",
        "a delivery waits for the receiver's answer however long it takes, so a 2xx after the delivery timeout counts as delivered and is not retried";
    WebhookRetryStaleHeaders = "webhook-retry-stale-headers", "WH-ATTEMPT-FRESH",
        "a retry resends the first attempt's X-Webhook-Timestamp and signature instead of making them afresh";
    DeliveriesNewestFirst = "deliveries-newest-first", "WH-DELIVERIES",
        "the deliveries list is newest first";
    DeliveriesAttemptZeroBased = "deliveries-attempt-zero-based", "WH-DELIVERIES",
        "delivery attempts count from 0";

    // ---- §7 sandbox controls ------------------------------------------------------------
    CustomerPutNotPartial = "customer-put-not-partial", "SBX-CUSTOMER-PUT",
        "PUT of a customer resets the fields it leaves out (payment back to approve)";
    ProductAvailableIsStock = "product-available-is-stock", "SBX-PRODUCT-PUT-GET",
        "a product's `available` is its stock, ignoring what is reserved";
    ProductPutResetsReserved = "product-put-resets-reserved", "SBX-PRODUCT-PUT-GET",
        "PUT of a product's stock resets its reserved count";
    AdvanceSkipsShipped = "advance-skips-shipped", "SBX-ADVANCE",
        "advance moves a pending order straight to delivered";
    AdvanceReturnsPrevious = "advance-returns-previous", "SBX-ADVANCE",
        "advance answers the order in its previous status";
    AdvanceDeliveredOk = "advance-delivered-ok", "SBX-ADVANCE-CONFLICT",
        "advance of a delivered order answers 200 with the order unchanged instead of 409";
    ShipKeepsStock = "ship-keeps-stock", "SBX-SHIP-LOWERS-STOCK",
        "shipping lowers `reserved` but not `stock`";
    CancelLowersStock = "cancel-lowers-stock", "SBX-CANCEL-RELEASES",
        "a cancel lowers `stock` as well as `reserved` (as if shipped)";
    SandboxRequiresRequestId = "sandbox-requires-request-id", "SBX-NO-REQUEST-ID",
        "/sandbox/v1 answers 400 without X-Request-ID";
    SandboxRateLimited = "sandbox-rate-limited", "SBX-NOT-RATE-LIMITED",
        "/sandbox/v1 calls take a token from the caller's \"anything else\" bucket (and are refused with 429 when it is empty)";
    SeedPriceRounded = "seed-price-rounded", "SBX-SEEDED",
        "the seeded SKU-002 costs 9.00 instead of 9.50";
    SeedOutStocked = "seed-out-stocked", "SBX-SEEDED",
        "the seeded SKU-OUT has stock 10 instead of 0";

    // ---- seed SLA -----------------------------------------------------------------------
    Latency = "latency", "PERF-P95",
        "every /api/v1 response is delayed by the configured latency";
}
