"""Clinic onboarding: a roster of staff, module assignments with personal links, status, reminders, evidence.

Every function that reads or writes takes the organisation id of the signed-in
manager and filters by it, so a manager of one clinic cannot reach another's
people, assignments, exports or links, whatever id they type.
"""
