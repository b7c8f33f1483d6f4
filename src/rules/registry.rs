//! Every rule, sorted by id. Adding a rule: one line here.

use super::*;

pub static RULES: &[&dyn Rule] = &[
    &ddb001_template_parse_error::TemplateParseError,
    &ddb002_duplicate_key::DuplicateKey,
    &ddb003_unused_suppression::UnusedSuppression,
    &ddb101_pitr_disabled::PitrDisabled,
    &ddb103_deletion_protection_disabled::DeletionProtectionDisabled,
    &ddb104_table_not_retained::TableNotRetained,
    &ddb301_vpc_gateway_endpoint_missing::VpcGatewayEndpointMissing,
    &ddb302_dynamodb_interface_endpoint::DynamodbInterfaceEndpoint,
    &ddb303_gateway_endpoint_without_route_tables::GatewayEndpointWithoutRouteTables,
    &ddb401_gsi_alarms_missing::GsiAlarmsMissing,
    &ddb402_table_alarms_missing::TableAlarmsMissing,
    &ddb403_replication_latency_alarm_missing::ReplicationLatencyAlarmMissing,
    &ddb501_lsi_changed_after_creation::LsiChangedAfterCreation,
    &ddb502_key_schema_changed::KeySchemaChanged,
    &ddb503_lsi_limit_exceeded::LsiLimitExceeded,
    &ddb504_gsi_limit_exceeded::GsiLimitExceeded,
    &ddb505_lsi_key_invalid::LsiKeyInvalid,
    &ddb506_key_attribute_mismatch::KeyAttributeMismatch,
    &ddb601_iam_dynamodb_wildcard_action::IamDynamodbWildcardAction,
    &ddb602_iam_dynamodb_wildcard_resource::IamDynamodbWildcardResource,
    &ddb603_iam_dynamodb_admin_action::IamDynamodbAdminAction,
    &ddb604_iam_not_action_allow::IamNotActionAllow,
    &ddb605_iam_condition_misuse::IamConditionMisuse,
];
