"""Writes of the certification app, one module per area. Views and tasks call these;
each public function is one transaction and says whether it is safe to call twice."""
