"""Write-side functions of the training app (one module per area)."""
