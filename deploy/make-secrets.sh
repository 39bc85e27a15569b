#!/bin/sh
# Create the secrets the compose files read, once, with random values (mode 600):
#   deploy/secrets/admin_password       the first admin's password (both compose files)
#   deploy/secrets/postgres_password    PostgreSQL's taskmaster role   (compose.scale.yaml)
#   deploy/secrets/database_url         TASKMASTER_DATABASE_URL with that password
#   deploy/secrets/minio.env            MinIO's root user and password
#   deploy/secrets/s3_credentials       the same key pair for boto3 (AWS_SHARED_CREDENTIALS_FILE)
# An existing file is kept: rerunning never changes a password in use.
# The folder is 700 (only you); the files are 644 because compose bind-mounts each one
# into the containers with its host owner and mode, and the server runs as uid 10001.
# Usage: deploy/make-secrets.sh [DIR]   (default: deploy/secrets beside this script)
set -eu
dir=${1:-"$(dirname "$0")/secrets"}
umask 077
mkdir -p "$dir"
random() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
keep() { [ -s "$dir/$1" ]; }

keep admin_password || random > "$dir/admin_password"
if ! keep postgres_password; then
    random > "$dir/postgres_password"
    rm -f "$dir/database_url"
fi
keep database_url || printf 'postgresql+psycopg://taskmaster:%s@postgres:5432/taskmaster' \
    "$(cat "$dir/postgres_password")" > "$dir/database_url"
if ! keep minio.env; then
    printf 'MINIO_ROOT_USER=taskmaster\nMINIO_ROOT_PASSWORD=%s\n' "$(random)" > "$dir/minio.env"
    rm -f "$dir/s3_credentials"
fi
if ! keep s3_credentials; then
    # shellcheck disable=SC1091
    . "$dir/minio.env"
    printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
        "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" > "$dir/s3_credentials"
fi
chmod 700 "$dir"
chmod 644 "$dir"/*
echo "secrets in $dir: $(ls "$dir" | tr '\n' ' ')"
