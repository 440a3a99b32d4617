-- Logins (seed 004): one row per SQS login message (or dropped-file line), PII masked.
--
-- The first seven columns keep the original take-home DDL's names. app_version is text
-- (the source sends "2.3.0", "0.96", "3.7", which the original `integer` column cannot hold);
-- app_version_num orders versions as major*1e6 + minor*1e3 + patch.
-- masked_* are keyed HMAC-SHA256 (lowercase hex): joinable, not reversible without the key.
-- encrypted_* are AES-256-GCM under a separate key: an operator with that key can reveal them
-- (`sluice-reveal-login`); the text is base64(format byte || key id || nonce || ciphertext).

create table user_logins (
    id                  bigint generated always as identity primary key,
    message_id          text         not null,
    user_id             varchar(128) not null,
    device_type         varchar(32)  not null,
    masked_ip           varchar(256) not null,
    masked_device_id    varchar(256) not null,
    locale              varchar(32),
    app_version         varchar(32)  not null,
    app_version_num     bigint       not null,
    create_date         date         not null,
    encrypted_ip        text         not null,
    encrypted_device_id text         not null,
    mask_key_id         char(8)      not null,
    arrival_hour        timestamptz  not null,
    received_at         timestamptz,
    source_key          text         not null,
    source_line         integer      not null,
    loaded_at           timestamptz  not null default now(),
    -- Upserts go by message id: a redelivered SQS message never makes a second row.
    constraint user_logins_message_id_u unique (message_id)
);

create index user_logins_user_id_i on user_logins (user_id);
create index user_logins_arrival_hour_i on user_logins (arrival_hour);
create index user_logins_masked_device_id_i on user_logins (masked_device_id);
