"""tap-netsuite: a singer-sdk tap for NetSuite SuiteTalk REST (SuiteQL)."""
