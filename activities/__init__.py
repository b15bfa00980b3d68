"""Every side effect a review needs: sending email and writing the read model."""
