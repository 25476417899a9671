#!/bin/sh
# A namespace file: script tasks of company.dev can list it under `namespaceFiles`.
echo "extracting from ${API_BASE_URL:-unset} (sample: ${SAMPLE_ROWS:-all})"
