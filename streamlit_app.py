"""Befolkningskalkylatorn: the Streamlit app (router only)."""

import streamlit as st

st.set_page_config(page_title="Befolkningskalkylatorn", layout="wide")
st.title("Befolkningskalkylatorn")
st.info(
    "Appen byggs just nu: scenarioreglage jämförda med SCB:s prognos kommer här. "
    "Modellen finns redan på kommandoraden: `calculator project` och `calculator template`."
)
