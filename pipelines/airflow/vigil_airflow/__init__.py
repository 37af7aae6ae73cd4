"""Helpers of vigil's Airflow DAGs: one factory, two operator variants (Bash, KubernetesPod)."""
