// "Use the earliest date": copy the earliest acceptable due date the server named into the field.
document.addEventListener("click", (event) => {
  const button = event.target.closest("#use-earliest");
  if (!button) return;
  const input = document.querySelector("input[name=desired_due_at]");
  input.value = button.dataset.value;
  input.classList.remove("is-invalid");
  input.focus();
});
