"""dbt transformations: the profile environment, the dbt runner and the identity score."""
