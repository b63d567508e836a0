// Starts GOV.UK Frontend's components (error summary focus, details, buttons).
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();
