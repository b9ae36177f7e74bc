"""Writers of other tools' trajectory formats from assembled trajectories (`trajaudit convert --to`)."""
