"""Pages of the policies app."""


def policies_on_vehicle_timeline(user, vehicle):
    return []
