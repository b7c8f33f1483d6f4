//! Every rule, sorted by id. Adding a rule: one line here.

use super::*;

pub static RULES: &[&dyn Rule] = &[
    &ddb001_template_parse_error::TemplateParseError,
    &ddb002_duplicate_key::DuplicateKey,
    &ddb003_unused_suppression::UnusedSuppression,
    &ddb101_pitr_disabled::PitrDisabled,
    &ddb103_deletion_protection_disabled::DeletionProtectionDisabled,
    &ddb104_table_not_retained::TableNotRetained,
    &ddb501_lsi_changed_after_creation::LsiChangedAfterCreation,
    &ddb502_key_schema_changed::KeySchemaChanged,
    &ddb503_lsi_limit_exceeded::LsiLimitExceeded,
    &ddb504_gsi_limit_exceeded::GsiLimitExceeded,
    &ddb505_lsi_key_invalid::LsiKeyInvalid,
    &ddb506_key_attribute_mismatch::KeyAttributeMismatch,
];
