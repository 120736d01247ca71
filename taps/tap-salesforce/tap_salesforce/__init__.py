"""tap-salesforce: a singer-sdk tap extracting Salesforce sObjects through the REST API's `queryAll`."""
