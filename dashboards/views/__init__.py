"""The pages of the dashboard app: Streamlit code only, no SQL (data comes from `dashboards.data`)."""
