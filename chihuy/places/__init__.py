"""Places: the administrative unit tree (province > district > commune > village), typed sites, populations."""
